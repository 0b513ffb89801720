package dev.crossnet.kernel.linux;

import dev.crossnet.CrossnetException;
import dev.crossnet.sys.LibC;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A {@code NETLINK_ROUTE} socket for reading the kernel's tables: one request, its whole reply
 * (every part of a multi-part dump up to {@code NLMSG_DONE}). The socket lives in the namespace
 * this JVM runs in, or in a named one ({@code /var/run/netns/NAME}), entered on a helper thread
 * only to create it ({@link Netns}); a namespace deleted and made again under the same name (a new
 * file) gets a new socket. Opened at the first request, and again after a failed one, so that a
 * reply left half-read never answers the next request.
 *
 * <p>Thread-safe: requests take turns. Blocking; a reply the kernel does not finish within
 * {@link #TIMEOUT_SECONDS} fails the request.
 */
final class NetlinkSocket implements AutoCloseable {

    private static final int AF_NETLINK = 16;
    private static final int NETLINK_ROUTE = 0;
    private static final long TIMEOUT_SECONDS = 10;
    /**
     * A dump's parts are at most 32 KiB each (the kernel sizes them by the largest read buffer seen,
     * capped at 32 KiB less overhead); twice that, so that no part is ever truncated.
     */
    private static final int RECEIVE_BUFFER = 64 * 1024;
    /** Retries of a dump whose parts the kernel marks inconsistent (the table changed while it was read). */
    private static final int DUMP_RETRIES = 3;

    private final String namespace;
    private final ByteBuffer rx = ByteBuffer.allocateDirect(RECEIVE_BUFFER).order(ByteOrder.nativeOrder());
    private final ByteBuffer tx = ByteBuffer.allocateDirect(4096).order(ByteOrder.nativeOrder());
    private final long rxAddress = LibC.address(rx);
    private final long txAddress = LibC.address(tx);
    private int fd = -1;
    private Object namespaceFile; // the file key of the namespace the socket was made in
    private int seq;

    /** @param namespace a name from {@code ip netns list}, or null for this process's namespace */
    NetlinkSocket(String namespace) {
        this.namespace = namespace;
    }

    /** A failed request: the kernel's errno (positive), 0 when the failure was not the kernel's answer. */
    static final class NetlinkException extends CrossnetException {
        private final int errno;

        NetlinkException(String message, int errno) {
            super(message);
            this.errno = errno;
        }

        int errno() {
            return errno;
        }
    }

    /**
     * Sends {@code request} (its sequence number is set here) and returns the reply's messages,
     * {@code NLMSG_DONE} left out, in a heap buffer ready to read. A dump (NLM_F_DUMP) the kernel
     * reports as interrupted by a change is read again, up to {@value #DUMP_RETRIES} times.
     *
     * @param what names the request in errors, e.g. {@code "list the routes"}
     * @throws NetlinkException with the kernel's errno when it answers with an error
     */
    synchronized ByteBuffer request(Rtnl.Request request, String what) {
        for (int attempt = 0; ; attempt++) {
            boolean[] interrupted = new boolean[1];
            ByteBuffer reply = exchange(request, what, interrupted);
            if (!interrupted[0] || attempt == DUMP_RETRIES) {
                return reply;
            }
        }
    }

    private ByteBuffer exchange(Rtnl.Request request, String what, boolean[] interrupted) {
        boolean ok = false;
        try {
            ensureOpen(what);
            int mySeq = ++seq;
            ByteBuffer msg = request.done(mySeq);
            tx.clear();
            tx.put(msg);
            long sent = LibC.write(fd, txAddress, tx.position());
            if (sent != tx.position()) {
                throw failure("cannot " + what + ": netlink send: " + LibC.lastError(), 0);
            }
            ByteBuffer out = ByteBuffer.allocate(RECEIVE_BUFFER).order(ByteOrder.nativeOrder());
            while (true) {
                int n = receive(what);
                Rtnl.Messages m = new Rtnl.Messages(rx.duplicate().position(0).limit(n));
                while (m.next()) {
                    if (m.seq() != mySeq) {
                        continue; // a late answer to an earlier request
                    }
                    interrupted[0] |= (m.flags() & Rtnl.NLM_F_DUMP_INTR) != 0;
                    if (m.type() == Rtnl.NLMSG_DONE || m.type() == Rtnl.NLMSG_ERROR) {
                        // A dump that failed part-way ends with an NLMSG_DONE that carries the error.
                        int err = m.bodyLength() >= 4 ? -m.s32(0) : 0;
                        if (err == 0) { // the end of the dump, or an acknowledgement
                            ok = true;
                            return out.flip();
                        }
                        ok = true; // the kernel answered in full; the socket is fine
                        throw failure("cannot " + what + ": " + LibC.strerror(err) + " (errno " + err + ")", err);
                    }
                    if (m.type() == Rtnl.NLMSG_NOOP) {
                        continue;
                    }
                    if (out.remaining() < m.bodyLength() + Rtnl.NLMSG_HDRLEN + 4) {
                        out = ByteBuffer.allocate(Math.max(out.capacity() * 2, out.position() + RECEIVE_BUFFER))
                                .order(ByteOrder.nativeOrder()).put(out.flip());
                    }
                    m.copyTo(out);
                    if ((m.flags() & Rtnl.NLM_F_MULTI) == 0) {
                        ok = true; // a single answer (a get without NLM_F_DUMP)
                        return out.flip();
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            throw failure("cannot " + what + ": malformed netlink reply: " + e.getMessage(), 0);
        } finally {
            if (!ok) {
                close();
            }
        }
    }

    /** One datagram of the reply into {@link #rx}; its length. */
    private int receive(String what) {
        while (true) {
            long n = LibC.recv(fd, rxAddress, RECEIVE_BUFFER, LibC.MSG_TRUNC);
            if (n >= 0) {
                if (n > RECEIVE_BUFFER) {
                    throw failure("cannot " + what + ": a netlink reply of " + n + " bytes did not fit in "
                            + RECEIVE_BUFFER, 0);
                }
                return (int) n;
            }
            int e = LibC.errno();
            if (e == LibC.EINTR) {
                continue;
            }
            if (e == LibC.EAGAIN) {
                throw failure("cannot " + what + ": the kernel did not answer within " + TIMEOUT_SECONDS + " s", 0);
            }
            throw failure("cannot " + what + ": netlink receive: " + LibC.strerror(e) + " (errno " + e + ")", e);
        }
    }

    private NetlinkException failure(String message, int errno) {
        return new NetlinkException(namespace == null ? message : message + " in namespace " + namespace, errno);
    }

    private void ensureOpen(String what) {
        Object file = namespace == null ? null : namespaceFile(what);
        if (fd >= 0 && (namespace == null || file.equals(namespaceFile))) {
            return;
        }
        close();
        fd = namespace == null ? open() : Netns.run(namespace, NetlinkSocket::open);
        namespaceFile = file;
    }

    /** What tells a namespace's file from a later one of the same name: its device and inode. */
    private Object namespaceFile(String what) {
        Path p = Path.of("/var/run/netns", namespace);
        try {
            var a = Files.readAttributes(p, "unix:dev,ino");
            return a.get("dev") + ":" + a.get("ino");
        } catch (IOException | UnsupportedOperationException e) {
            throw new NetlinkException("cannot " + what + ": network namespace " + namespace + " does not exist ("
                    + e.getMessage() + ")", 0);
        }
    }

    /** A socket in the calling thread's namespace, with the receive timeout set. */
    private static int open() {
        int s = LibC.socket(AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, NETLINK_ROUTE);
        if (s < 0) {
            throw new NetlinkException("cannot open a netlink socket: " + LibC.lastError(), LibC.errno());
        }
        ByteBuffer tv = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
        tv.putLong(0, TIMEOUT_SECONDS).putLong(8, 0);
        if (LibC.setsockopt(s, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, LibC.address(tv), 16) != 0) {
            String err = LibC.lastError();
            LibC.close(s);
            throw new NetlinkException("cannot set the netlink socket's receive timeout: " + err, 0);
        }
        return s;
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            LibC.close(fd);
            fd = -1;
        }
    }
}
