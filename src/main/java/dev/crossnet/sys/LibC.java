package dev.crossnet.sys;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;

/**
 * libc calls used by the datapath, bound with JNA's <em>direct mapping</em> so that a call with
 * primitive arguments allocates nothing (a proxy-style {@code Library} interface boxes its
 * arguments on every call). Pointers are passed as {@code long} native addresses, which the
 * x86-64 and aarch64 ABIs pass exactly like a {@code void*}.
 *
 * <p>Each call returns what the C function returns; on failure read {@link #errno()} at once, on
 * the same thread. All methods are thread-safe in the sense of the underlying syscalls.
 */
public final class LibC {

    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;

    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EAGAIN = 11;
    public static final int EINVAL = 22;

    public static final int AF_INET = 2;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int IPPROTO_UDP = 17;
    public static final int IPPROTO_RAW = 255;
    public static final int SOL_SOCKET = 1;
    public static final int SO_NO_CHECK = 11; // send without a UDP checksum (refuses UDP GSO)
    public static final int SO_SNDBUFFORCE = 32;
    public static final int SO_RCVBUFFORCE = 33;
    public static final int SO_RCVTIMEO = 20; // struct timeval (the 64-bit one on LP64)
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_WAITFORONE = 0x10000; // recvmmsg: block for the first message only
    public static final int MSG_TRUNC = 0x20;
    public static final int SOL_UDP = 17;
    public static final int UDP_SEGMENT = 103; // send: u16 segment size (cmsg or setsockopt)
    public static final int UDP_GRO = 104; // receive: int gso_size cmsg on coalesced reads

    public static final short POLLIN = 0x1;
    public static final int CLONE_NEWNET = 0x40000000;

    static {
        Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private LibC() {
    }

    public static native int open(String path, int flags);

    public static native int close(int fd);

    public static native long read(int fd, long buf, long count);

    public static native long write(int fd, long buf, long count);

    public static native int ioctl(int fd, long request, long arg);

    public static native int poll(long fds, long nfds, int timeoutMillis);

    public static native int socket(int domain, int type, int protocol);

    public static native int bind(int fd, long addr, int addrLen);

    public static native int getsockname(int fd, long addr, long addrLenPtr);

    public static native int setsockopt(int fd, int level, int name, long value, int valueLen);

    public static native int recvmmsg(int fd, long msgvec, int vlen, int flags, long timeout);

    public static native int sendmmsg(int fd, long msgvec, int vlen, int flags);

    public static native long sendto(int fd, long buf, long len, int flags, long addr, int addrLen);

    public static native long recv(int fd, long buf, long len, int flags);

    public static native long writev(int fd, long iov, int iovcnt);

    public static native int setns(int fd, int nstype);

    public static native String strerror(int errnum);

    /** The calling thread's errno after the last native call. */
    public static int errno() {
        return Native.getLastError();
    }

    /** {@code "strerror (errno N)"} for the calling thread's last error. */
    public static String lastError() {
        int e = errno();
        return strerror(e) + " (errno " + e + ")";
    }

    /** The native address of a direct buffer's first byte (not its position). */
    public static long address(ByteBuffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("not a direct buffer");
        }
        return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
    }
}
