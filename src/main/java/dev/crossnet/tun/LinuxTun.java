package dev.crossnet.tun;

import dev.crossnet.CrossnetException;
import dev.crossnet.sys.BufferAddresses;
import dev.crossnet.sys.GatherBatch;
import dev.crossnet.sys.LibC;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * {@link TunDevice} on Linux {@code /dev/net/tun} with {@code IFF_TUN | IFF_NO_PI} (and, when asked
 * and the kernel agrees, {@code IFF_VNET_HDR} with TSO offloads: see {@link #open(String, boolean)}). The fd is
 * non-blocking: a read waits in {@code poll} (so that a reader notices {@link #close} within its
 * timeout) and then drains what is queued, one {@code read} per packet, which is the most a TUN
 * fd offers without {@code IFF_VNET_HDR} offloads.
 *
 * <p>{@link #open} is idempotent: it creates the device, or attaches to an existing TUN device of
 * that name (a persistent one left by an earlier run), and marks it persistent so that the device,
 * its address and routes survive a restart of the process.
 */
public final class LinuxTun implements TunDevice {

    private static final String CLONE_DEVICE = "/dev/net/tun";
    private static final int IFNAMSIZ = 16;
    private static final int IFREQ_SIZE = 40; // 16 name + 24 union
    private static final short IFF_TUN = 0x0001;
    private static final short IFF_TAP = 0x0002;
    private static final short IFF_NO_PI = 0x1000;
    private static final short IFF_VNET_HDR = 0x4000;
    private static final long TUNSETOFFLOAD = 0x400454d0L; // _IOW('T', 208, unsigned int)
    private static final int TUN_F_CSUM = 0x01;
    private static final int TUN_F_TSO4 = 0x02;
    private static final long TUNSETIFF = 0x400454caL; // _IOW('T', 202, int)
    private static final long TUNSETPERSIST = 0x400454cbL; // _IOW('T', 203, int)
    private static final int POLLFD_SIZE = 8; // int fd + short events + short revents
    private static final int IOVEC_SIZE = 16; // void* base + size_t len

    private final String name;
    private final int fd;
    private final boolean vnetHdr;
    private final ByteBuffer pollFd = ByteBuffer.allocateDirect(POLLFD_SIZE).order(ByteOrder.nativeOrder());
    private final long pollFdAddress = LibC.address(pollFd);
    private final BufferAddresses readAddresses = new BufferAddresses();
    private final BufferAddresses writeAddresses = new BufferAddresses();
    private ByteBuffer iovs; // for write(GatherBatch), sized by the first batch
    private long iovsAddress;
    private int iovCapacity;
    private boolean drained; // the last read ended on EAGAIN; owned by the reading thread
    private volatile boolean closed;
    private long writeErrors;

    private LinuxTun(String name, int fd, boolean vnetHdr) {
        this.name = name;
        this.fd = fd;
        this.vnetHdr = vnetHdr;
        pollFd.putInt(0, fd);
        pollFd.putShort(4, LibC.POLLIN);
    }

    /**
     * Creates or attaches to TUN device {@code name} in the calling thread's network namespace and
     * makes it persistent. Idempotent.
     *
     * @throws CrossnetException naming the device when it cannot be opened (for example, a
     *                           non-TUN link of that name exists)
     */
    public static LinuxTun open(String name) {
        return open(name, false);
    }

    /**
     * Like {@link #open(String)}; with {@code offloads} it asks for {@code IFF_VNET_HDR} and
     * {@code TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4)}, so that reads carry a {@code virtio_net_hdr} and
     * local TCP arrives as super-packets of up to 64 KiB. When the kernel refuses either, the device
     * is opened plain instead ({@link #vnetHdr()} tells which). Idempotent.
     */
    public static LinuxTun open(String name, boolean offloads) {
        if (offloads) {
            LinuxTun t = attach(name, true);
            if (t != null) {
                return t;
            }
        }
        return attach(name, false);
    }

    /**
     * Creates or attaches to TAP device {@code name} ({@code IFF_TAP | IFF_NO_PI}, no offloads) and
     * makes it persistent: reads and writes carry whole Ethernet frames, checksummed and segmented
     * by the kernel. Idempotent.
     *
     * @throws CrossnetException naming the device when it cannot be opened
     */
    public static LinuxTun openTap(String name) {
        return openTap(name, false);
    }

    /**
     * Like {@link #openTap(String)}; with {@code offloads} it asks for {@code IFF_VNET_HDR} and
     * {@code TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4)}, so that every frame read or written carries a
     * {@code virtio_net_hdr} (offsets counted from the Ethernet header) and local TCP arrives as
     * super-frames of up to 64 KiB. When the kernel refuses either, the device is opened plain
     * instead ({@link #vnetHdr()} tells which), its offloads turned off (a persistent device keeps
     * those of an earlier open with them, and would hand super-frames to a reader that cannot tell
     * them apart). Idempotent.
     */
    public static LinuxTun openTap(String name, boolean offloads) {
        if (offloads) {
            LinuxTun t = attach(name, IFF_TAP, true);
            if (t != null) {
                return t;
            }
        }
        LinuxTun t = attach(name, IFF_TAP, false);
        if (LibC.ioctl(t.fd, TUNSETOFFLOAD, 0) != 0) {
            String err = LibC.lastError();
            t.close();
            throw new CrossnetException("TAP device " + name + ": TUNSETOFFLOAD(0) failed: " + err);
        }
        return t;
    }

    private static LinuxTun attach(String name, boolean vnet) {
        return attach(name, IFF_TUN, vnet);
    }

    /** Attaches; with {@code vnet}, returns null (and leaves nothing open) when offloads are refused. */
    private static LinuxTun attach(String name, short type, boolean vnet) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        if (n.length == 0 || n.length >= IFNAMSIZ) {
            throw new CrossnetException("TUN device name \"" + name + "\" must be 1-15 characters");
        }
        int fd = LibC.open(CLONE_DEVICE, LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        if (fd < 0) {
            throw new CrossnetException("TUN device " + name + ": cannot open " + CLONE_DEVICE + ": " + LibC.lastError());
        }
        ByteBuffer ifr = ByteBuffer.allocateDirect(IFREQ_SIZE).order(ByteOrder.nativeOrder());
        ifr.put(0, n);
        ifr.putShort(IFNAMSIZ, (short) (type | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0)));
        if (LibC.ioctl(fd, TUNSETIFF, LibC.address(ifr)) != 0) {
            String err = LibC.lastError();
            LibC.close(fd);
            if (vnet) {
                return null;
            }
            throw new CrossnetException("TUN device " + name + ": TUNSETIFF failed: " + err
                    + " (is there a link of that name that is not a " + (type == IFF_TAP ? "TAP" : "TUN") + " device?)");
        }
        if (LibC.ioctl(fd, TUNSETPERSIST, 1) != 0) {
            String err = LibC.lastError();
            LibC.close(fd);
            throw new CrossnetException("TUN device " + name + ": TUNSETPERSIST failed: " + err);
        }
        if (vnet && LibC.ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4) != 0) {
            LibC.close(fd);
            return null;
        }
        return new LinuxTun(name, fd, vnet);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean vnetHdr() {
        return vnetHdr;
    }

    @Override
    public int read(ByteBuffer[] bufs, int[] sizes, int offset, int timeoutMillis) throws IOException {
        long[] addrs = readAddresses.of(bufs);
        if (drained && !awaitReadable(timeoutMillis)) {
            return 0; // the last call emptied the queue: wait first instead of a read bound to fail
        }
        int n = 0;
        while (n < bufs.length) {
            long r = LibC.read(fd, addrs[n] + offset, bufs[n].capacity() - offset);
            if (r >= 0) {
                sizes[n++] = (int) r;
                continue;
            }
            int errno = LibC.errno();
            if (errno == LibC.EAGAIN) {
                drained = true;
                if (n > 0) {
                    return n;
                }
                if (!awaitReadable(timeoutMillis)) {
                    return 0;
                }
            } else if (errno != LibC.EINTR) {
                throw closedOr("read");
            }
        }
        drained = false; // a full batch: more may be queued
        return n;
    }

    private boolean awaitReadable(int timeoutMillis) throws IOException {
        checkOpen();
        int r = LibC.poll(pollFdAddress, 1, timeoutMillis);
        if (r < 0 && LibC.errno() != LibC.EINTR) {
            throw closedOr("poll");
        }
        return r > 0;
    }

    @Override
    public int write(ByteBuffer[] bufs, int[] sizes, int count, int offset) throws IOException {
        long[] addrs = writeAddresses.of(bufs);
        int ok = 0;
        for (int i = 0; i < count; i++) {
            if (sizes[i] == 0) {
                continue;
            }
            long r = LibC.write(fd, addrs[i] + offset, sizes[i]);
            if (r >= 0) {
                ok++;
            } else if (closed) {
                throw new IOException("TUN device " + name + " is closed");
            } else {
                // EINVAL/EIO for one packet the kernel refuses: drop it, keep the batch going.
                writeErrors++;
            }
        }
        return ok;
    }

    /** One {@code writev} per message, its iovecs pointing at the pieces: nothing is copied here. */
    @Override
    public int write(GatherBatch batch) throws IOException {
        if (iovCapacity < batch.maxPieces()) {
            iovs = ByteBuffer.allocateDirect(batch.maxPieces() * IOVEC_SIZE).order(ByteOrder.nativeOrder());
            iovsAddress = LibC.address(iovs);
            iovCapacity = batch.maxPieces();
        }
        int ok = 0;
        int n = batch.messages();
        for (int m = 0; m < n; m++) {
            int first = batch.firstPiece(m);
            int count = batch.pieces(m);
            for (int p = 0; p < count; p++) {
                iovs.putLong(p * IOVEC_SIZE, batch.address(first + p));
                iovs.putLong(p * IOVEC_SIZE + 8, batch.length(first + p));
            }
            long r = LibC.writev(fd, iovsAddress, count);
            if (r >= 0) {
                ok++;
            } else if (closed) {
                throw new IOException("TUN device " + name + " is closed");
            } else {
                writeErrors++; // one packet the kernel refuses: drop it, keep the batch going
            }
        }
        return ok;
    }

    /** Packets the kernel refused on write, counted by the writing thread. */
    public long writeErrors() {
        return writeErrors;
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("TUN device " + name + " is closed");
        }
    }

    private IOException closedOr(String op) {
        return new IOException(closed ? "TUN device " + name + " is closed"
                : "TUN device " + name + ": " + op + ": " + LibC.lastError());
    }

    /**
     * Closes the fd; a reader blocked in {@link #read} returns within its timeout. The device
     * persists. Callers stop their reader and writer before closing, so the fd number is not
     * reused under them.
     */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            LibC.close(fd);
        }
    }
}
