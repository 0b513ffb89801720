package dev.crossnet.udp;

import dev.crossnet.CrossnetException;
import dev.crossnet.sys.BufferAddresses;
import dev.crossnet.sys.GatherBatch;
import dev.crossnet.sys.LibC;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Bind} on a Linux IPv4 UDP socket, using {@code recvmmsg}/{@code sendmmsg} so that one
 * syscall moves a whole batch. The message headers, iovecs and socket addresses live in native
 * scratch memory allocated once per direction; the per-batch path allocates nothing.
 *
 * <p>Receive is one blocking {@code recvmmsg} with {@code MSG_WAITFORONE} under a socket receive
 * timeout ({@code SO_RCVTIMEO}), so that {@link #close} is noticed within the timeout and a wake-up
 * costs one syscall (not a failed read, a {@code poll} and a read). Send blocks while the send
 * buffer is full.
 */
public final class LinuxUdp implements Bind {

    private static final Logger LOG = LoggerFactory.getLogger(LinuxUdp.class);
    private static final int SOCKADDR_IN_SIZE = 16; // 2 family + 2 port + 4 addr + 8 zero
    private static final int IOVEC_SIZE = 16; // void* base + size_t len
    private static final int MMSGHDR_SIZE = 64; // 56 msghdr + 4 msg_len + 4 padding
    // struct msghdr field offsets on LP64
    private static final int MSG_NAME = 0;
    private static final int MSG_NAMELEN = 8;
    private static final int MSG_IOV = 16;
    private static final int MSG_IOVLEN = 24;
    private static final int MSG_CONTROL = 32;
    private static final int MSG_CONTROLLEN = 40;
    private static final int MSG_FLAGS = 48;
    private static final int MSG_LEN = 56;
    private static final int SOCKET_BUFFER = 4 << 20; // room for a few batches of 64 KiB datagrams
    private static final int CMSG_HDR = 16; // size_t len + int level + int type
    private static final int CMSG_SPACE = 24; // CMSG_SPACE(4): header + 4 bytes, aligned to 8
    private static final int CMSG_LEN_U16 = CMSG_HDR + 2; // UDP_SEGMENT carries a u16

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new ExceptionInInitializerError("LinuxUdp assumes a little-endian LP64 platform");
        }
    }

    private final int fd;
    private final long local;
    private final Scratch rx;
    private final Scratch tx;
    private final BufferAddresses rxAddresses = new BufferAddresses();
    private final BufferAddresses txAddresses = new BufferAddresses();
    private final boolean gsoAtOpen; // the kernel knew UDP_SEGMENT when the socket was opened
    private volatile boolean gso; // what senders should use: off for good once a segmented send is refused
    private ByteBuffer resend; // one message's bytes while it is sent again datagram by datagram
    private Scratch gather; // for send(GatherBatch), sized by the first batch
    private ByteBuffer gatherIovs;
    private long gatherIovsAddress;
    private int gatherIovCapacity;
    private boolean gro;
    private volatile boolean closed;
    private long sendErrors;
    private int rcvTimeoutMillis = -1; // the SO_RCVTIMEO set last; owned by the receiving thread

    private LinuxUdp(int fd, long local, int batch, boolean gso, boolean gro) {
        this.fd = fd;
        this.local = local;
        this.gso = gso;
        this.gsoAtOpen = gso;
        this.gro = gro;
        this.rx = new Scratch(batch);
        this.tx = new Scratch(batch);
    }

    /**
     * Opens a UDP socket in the calling thread's network namespace bound to {@code local}
     * (never the wildcard unless asked with 0.0.0.0), for batches of up to {@code batch}.
     *
     * @throws CrossnetException naming the endpoint when the socket cannot be bound
     */
    public static LinuxUdp open(long local, int batch) {
        return open(local, batch, false);
    }

    /**
     * Like {@link #open(long, int)}; with {@code offloads} it also tries to turn on UDP GRO
     * ({@code UDP_GRO}) and checks for UDP GSO ({@code UDP_SEGMENT}), each on its own: what the
     * kernel refuses is simply off ({@link #gso()}, {@link #gro()}).
     */
    public static LinuxUdp open(long local, int batch, boolean offloads) {
        int fd = LibC.socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new CrossnetException("UDP socket: " + LibC.lastError());
        }
        ByteBuffer sa = ByteBuffer.allocateDirect(SOCKADDR_IN_SIZE).order(ByteOrder.nativeOrder());
        putSockaddr(sa, 0, local);
        ByteBuffer opt = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).putInt(0, SOCKET_BUFFER);
        // Best effort: a smaller buffer only costs drops under bursts.
        LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUFFORCE, LibC.address(opt), 4);
        LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_SNDBUFFORCE, LibC.address(opt), 4);
        if (LibC.bind(fd, LibC.address(sa), SOCKADDR_IN_SIZE) != 0) {
            String err = LibC.lastError();
            LibC.close(fd);
            throw new CrossnetException("cannot bind UDP " + Endpoints.toString(local) + ": " + err);
        }
        ByteBuffer len = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).putInt(0, SOCKADDR_IN_SIZE);
        LibC.getsockname(fd, LibC.address(sa), LibC.address(len));
        boolean gso = false;
        boolean gro = false;
        if (offloads) {
            // UDP_SEGMENT 0 leaves the socket unsegmented; success only proves the kernel knows it.
            gso = LibC.setsockopt(fd, LibC.SOL_UDP, LibC.UDP_SEGMENT, LibC.address(opt.putInt(0, 0)), 4) == 0;
            gro = LibC.setsockopt(fd, LibC.SOL_UDP, LibC.UDP_GRO, LibC.address(opt.putInt(0, 1)), 4) == 0;
        }
        return new LinuxUdp(fd, getSockaddr(sa, 0), batch, gso, gro);
    }

    @Override
    public boolean gso() {
        return gso;
    }

    /** Whether receives may return several datagrams per buffer (UDP GRO is on). */
    public boolean gro() {
        return gro;
    }

    /** Turns UDP GRO off again. Call before the first receive, from the thread that will receive. */
    public void disableGro() {
        if (gro) {
            ByteBuffer opt = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).putInt(0, 0);
            if (LibC.setsockopt(fd, LibC.SOL_UDP, LibC.UDP_GRO, LibC.address(opt), 4) != 0) {
                throw new CrossnetException("UDP " + Endpoints.toString(local) + ": cannot turn UDP_GRO off: " + LibC.lastError());
            }
            gro = false;
        }
    }

    @Override
    public long localEndpoint() {
        return local;
    }

    @Override
    public int receive(ByteBuffer[] bufs, int[] sizes, long[] sources, int offset, int timeoutMillis) throws IOException {
        if (gro) {
            throw new IllegalStateException("UDP GRO is on: receive with a segments array");
        }
        return receive(bufs, sizes, null, sources, offset, timeoutMillis);
    }

    @Override
    public int receive(ByteBuffer[] bufs, int[] sizes, int[] segments, long[] sources, int offset, int timeoutMillis)
            throws IOException {
        long[] addrs = rxAddresses.of(bufs);
        int n = Math.min(bufs.length, rx.batch);
        ByteBuffer m = rx.msgs;
        for (int i = 0; i < n; i++) {
            int h = i * MMSGHDR_SIZE;
            m.putInt(h + MSG_NAMELEN, SOCKADDR_IN_SIZE);
            m.putInt(h + MSG_FLAGS, 0);
            m.putLong(h + MSG_CONTROLLEN, gro ? CMSG_SPACE : 0);
            rx.iovs.putLong(i * IOVEC_SIZE, addrs[i] + offset);
            rx.iovs.putLong(i * IOVEC_SIZE + 8, bufs[i].capacity() - offset);
        }
        receiveTimeout(timeoutMillis);
        while (true) {
            // One syscall per wake-up: block (at most the receive timeout) for the first datagram,
            // then take what else is queued.
            int r = LibC.recvmmsg(fd, rx.msgsAddress, n, LibC.MSG_WAITFORONE, 0);
            if (r > 0) {
                for (int j = 0; j < r; j++) {
                    sizes[j] = m.getInt(j * MMSGHDR_SIZE + MSG_LEN);
                    sources[j] = getSockaddr(rx.names, j * SOCKADDR_IN_SIZE);
                    if (segments != null) {
                        segments[j] = gro ? groSegment(j) : 0;
                    }
                }
                return r;
            }
            int errno = r == 0 ? LibC.EAGAIN : LibC.errno();
            if (closed) {
                throw new IOException("UDP socket " + Endpoints.toString(local) + " is closed");
            }
            if (errno == LibC.EAGAIN) {
                return 0; // the receive timeout passed
            } else if (errno != LibC.EINTR) {
                throw closedOr("recvmmsg");
            }
        }
    }

    /** Sets SO_RCVTIMEO when it differs from the last one set (normally once). */
    private void receiveTimeout(int timeoutMillis) throws IOException {
        int t = Math.max(1, timeoutMillis); // 0 would mean "block forever"
        if (t == rcvTimeoutMillis) {
            return;
        }
        ByteBuffer tv = rx.timeval;
        tv.putLong(0, t / 1000);
        tv.putLong(8, (t % 1000) * 1000L);
        if (LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, LibC.address(tv), 16) != 0) {
            throw closedOr("setsockopt(SO_RCVTIMEO)");
        }
        rcvTimeoutMillis = t;
    }

    /** The gso_size of a coalesced receive, from its UDP_GRO control message; 0 when there is none. */
    private int groSegment(int j) {
        long controlLength = rx.msgs.getLong(j * MMSGHDR_SIZE + MSG_CONTROLLEN);
        int c = j * CMSG_SPACE;
        if (controlLength >= CMSG_HDR + 4 && rx.control.getInt(c + 8) == LibC.SOL_UDP && rx.control.getInt(c + 12) == LibC.UDP_GRO) {
            return rx.control.getInt(c + CMSG_HDR);
        }
        return 0;
    }

    @Override
    public int send(ByteBuffer[] bufs, int[] sizes, long[] dests, int count, int offset) throws IOException {
        return send(bufs, sizes, null, dests, count, offset);
    }

    @Override
    public int send(ByteBuffer[] bufs, int[] sizes, int[] segments, long[] dests, int count, int offset) throws IOException {
        long[] addrs = txAddresses.of(bufs);
        int j = 0;
        int accepted = 0;
        for (int i = 0; i < count; i++) {
            if (sizes[i] == 0) {
                continue;
            }
            if (j == tx.batch) { // more slots than native headers: send what is ready
                accepted += transmit(j);
                j = 0;
            }
            putSockaddr(tx.names, j * SOCKADDR_IN_SIZE, dests[i]);
            tx.iovs.putLong(j * IOVEC_SIZE, addrs[i] + offset);
            tx.iovs.putLong(j * IOVEC_SIZE + 8, sizes[i]);
            segment(tx, j, segments == null ? 0 : segments[i], sizes[i]);
            j++;
        }
        return accepted + transmit(j);
    }

    /**
     * Sends the batch with one {@code sendmmsg} per {@code tx} batch of messages, each message
     * pointing the kernel at its pieces with its own run of iovecs: nothing is copied here.
     */
    @Override
    public int send(GatherBatch batch) throws IOException {
        if (gather == null || gather.batch < batch.maxMessages() || gatherIovCapacity < batch.maxPieces()) {
            gather = new Scratch(batch.maxMessages());
            gatherIovs = ByteBuffer.allocateDirect(batch.maxPieces() * IOVEC_SIZE).order(ByteOrder.nativeOrder());
            gatherIovsAddress = LibC.address(gatherIovs);
            gatherIovCapacity = batch.maxPieces();
        }
        Scratch g = gather;
        int n = batch.messages();
        for (int m = 0; m < n; m++) {
            int first = batch.firstPiece(m);
            int count = batch.pieces(m);
            for (int p = first; p < first + count; p++) {
                gatherIovs.putLong(p * IOVEC_SIZE, batch.address(p));
                gatherIovs.putLong(p * IOVEC_SIZE + 8, batch.length(p));
            }
            putSockaddr(g.names, m * SOCKADDR_IN_SIZE, batch.dest(m));
            int h = m * MMSGHDR_SIZE;
            g.msgs.putLong(h + MSG_IOV, gatherIovsAddress + (long) first * IOVEC_SIZE);
            g.msgs.putLong(h + MSG_IOVLEN, count);
            segment(g, m, batch.segment(m), batch.bytes(m));
        }
        return transmit(g, n);
    }

    /**
     * Gives message {@code j} of {@code scratch} a {@code UDP_SEGMENT} control message when it is a
     * train ({@code 0 < segment < bytes}), none otherwise.
     */
    private void segment(Scratch scratch, int j, int segment, int bytes) {
        int h = j * MMSGHDR_SIZE;
        if (segment > 0 && segment < bytes) {
            if (!gsoAtOpen) { // a train prepared before a refusal is still sent: see transmit
                throw new IllegalArgumentException("segmented send without UDP GSO");
            }
            int c = j * CMSG_SPACE;
            scratch.control.putLong(c, CMSG_LEN_U16);
            scratch.control.putInt(c + 8, LibC.SOL_UDP);
            scratch.control.putInt(c + 12, LibC.UDP_SEGMENT);
            scratch.control.putShort(c + CMSG_HDR, (short) segment);
            scratch.msgs.putLong(h + MSG_CONTROL, scratch.controlAddress + c);
            scratch.msgs.putLong(h + MSG_CONTROLLEN, CMSG_SPACE);
        } else {
            scratch.msgs.putLong(h + MSG_CONTROL, 0);
            scratch.msgs.putLong(h + MSG_CONTROLLEN, 0);
        }
    }

    /** Sends the first {@code j} prepared messages; returns how many the kernel accepted. */
    private int transmit(int j) throws IOException {
        return transmit(tx, j);
    }

    private int transmit(Scratch scratch, int j) throws IOException {
        int sent = 0;
        int accepted = 0;
        while (sent < j) {
            int r = LibC.sendmmsg(fd, scratch.msgsAddress + (long) sent * MMSGHDR_SIZE, j - sent, 0);
            if (r > 0) {
                sent += r;
                accepted += r;
                continue;
            }
            if (closed) {
                throw new IOException("UDP socket " + Endpoints.toString(local) + " is closed");
            }
            int errno = r < 0 ? LibC.errno() : 0;
            if (errno == LibC.EINTR) {
                continue;
            }
            int h = (sent) * MMSGHDR_SIZE;
            if ((errno == LibC.EIO || errno == LibC.EINVAL) && scratch.msgs.getLong(h + MSG_CONTROLLEN) != 0) {
                // The kernel refuses UDP GSO on this path after all (an IPsec policy on the route, a
                // socket without checksums, an older kernel with a device lacking checksum offload):
                // turn it off and send this train as the datagrams it stands for.
                gsoRefused(errno);
                if (resendSegmented(scratch, h)) {
                    accepted++;
                } else {
                    sendErrors++;
                }
                sent++;
                continue;
            }
            // The first remaining datagram was refused (no route, ICMP error reported): drop it.
            sendErrors++;
            sent++;
        }
        return accepted;
    }

    private void gsoRefused(int errno) {
        if (gso) {
            gso = false;
            LOG.warn("UDP {}: the kernel refused a UDP GSO send ({}); sending one datagram per segment from now on",
                    Endpoints.toString(local), LibC.strerror(errno) + " (errno " + errno + ")");
        }
    }

    /**
     * Sends the GSO message whose mmsghdr is at {@code h} as separate datagrams of its segment
     * size. Rare (once per refused train, then GSO is off), so it copies through a heap array.
     */
    private boolean resendSegmented(Scratch scratch, int h) {
        long controlAddress = scratch.msgs.getLong(h + MSG_CONTROL);
        int segment = Short.toUnsignedInt(new com.sun.jna.Pointer(controlAddress).getShort(CMSG_HDR));
        long iov = scratch.msgs.getLong(h + MSG_IOV);
        long iovlen = scratch.msgs.getLong(h + MSG_IOVLEN);
        if (resend == null) {
            resend = ByteBuffer.allocateDirect(65_536);
        }
        int len = 0;
        for (long k = 0; k < iovlen; k++) {
            com.sun.jna.Pointer v = new com.sun.jna.Pointer(iov + k * IOVEC_SIZE);
            int n = (int) v.getLong(8);
            if (len + n > resend.capacity()) {
                return false;
            }
            resend.put(len, new com.sun.jna.Pointer(v.getLong(0)).getByteArray(0, n));
            len += n;
        }
        long name = scratch.msgs.getLong(h + MSG_NAME);
        long base = LibC.address(resend);
        boolean all = true;
        for (int off = 0; off < len; off += segment) {
            int n = Math.min(segment, len - off);
            if (LibC.sendto(fd, base + off, n, 0, name, SOCKADDR_IN_SIZE) < 0) {
                all = false;
            }
        }
        return all;
    }

    /** The socket's file descriptor, for tests that need to change its options. */
    int fd() {
        return fd;
    }

    /** Datagrams the kernel refused on send, counted by the sending thread. */
    public long sendErrors() {
        return sendErrors;
    }

    private IOException closedOr(String op) {
        return new IOException(closed ? "UDP socket " + Endpoints.toString(local) + " is closed"
                : "UDP socket " + Endpoints.toString(local) + ": " + op + ": " + LibC.lastError());
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            LibC.close(fd);
        }
    }

    private static void putSockaddr(ByteBuffer b, int at, long endpoint) {
        b.putShort(at, (short) LibC.AF_INET);
        b.putShort(at + 2, Short.reverseBytes((short) Endpoints.port(endpoint)));
        b.putInt(at + 4, Integer.reverseBytes(Endpoints.ip(endpoint)));
        b.putLong(at + 8, 0);
    }

    private static long getSockaddr(ByteBuffer b, int at) {
        int port = Short.toUnsignedInt(Short.reverseBytes(b.getShort(at + 2)));
        return Endpoints.of(Integer.reverseBytes(b.getInt(at + 4)), port);
    }

    /** Native mmsghdr/iovec/sockaddr arrays for one direction, wired to each other once. */
    private static final class Scratch {
        final int batch;
        final ByteBuffer msgs;
        final ByteBuffer iovs;
        final ByteBuffer names;
        final ByteBuffer control; // one CMSG_SPACE per message
        final ByteBuffer timeval = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
        final long msgsAddress;
        final long controlAddress;

        Scratch(int batch) {
            this.batch = batch;
            msgs = ByteBuffer.allocateDirect(batch * MMSGHDR_SIZE).order(ByteOrder.nativeOrder());
            iovs = ByteBuffer.allocateDirect(batch * IOVEC_SIZE).order(ByteOrder.nativeOrder());
            names = ByteBuffer.allocateDirect(batch * SOCKADDR_IN_SIZE).order(ByteOrder.nativeOrder());
            control = ByteBuffer.allocateDirect(batch * CMSG_SPACE).order(ByteOrder.nativeOrder());
            msgsAddress = LibC.address(msgs);
            controlAddress = LibC.address(control);
            long iovsAddress = LibC.address(iovs);
            long namesAddress = LibC.address(names);
            for (int i = 0; i < batch; i++) {
                int h = i * MMSGHDR_SIZE;
                msgs.putLong(h + MSG_NAME, namesAddress + (long) i * SOCKADDR_IN_SIZE);
                msgs.putInt(h + MSG_NAMELEN, SOCKADDR_IN_SIZE);
                msgs.putLong(h + MSG_IOV, iovsAddress + (long) i * IOVEC_SIZE);
                msgs.putLong(h + MSG_IOVLEN, 1);
                msgs.putLong(h + MSG_CONTROL, controlAddress + (long) i * CMSG_SPACE);
                msgs.putLong(h + MSG_CONTROLLEN, 0);
            }
        }
    }
}
