package dev.crossnet.docker.sealed;

import dev.crossnet.seal.PacketCipher;
import dev.crossnet.seal.Tunnel;
import dev.crossnet.seal.Tunnels;
import dev.crossnet.sys.LibC;
import dev.crossnet.udp.Bind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving loop body of every encrypted network on this host: receives a batch of datagrams
 * (with UDP GRO, several per buffer, cut at the reported segment size) and takes each on its own:
 * a handshake is answered; a transport message is opened (type, key, tag, replay window, all
 * before anything else); then the VNI must be an encrypted network with a segment here and the
 * frame must pass {@link FrameSwitch#inbound} for the sending host (both checked by {@link
 * FrameSwitch#opened}). Only then is it handed to the network's {@link TapPort} (which coalesces
 * TCP frames when its TAP has a {@code virtio_net_hdr}); every port that got frames is flushed at
 * the end of the batch.
 *
 * <p>Not thread-safe: owned by the receiving thread. Allocation-free after construction but for
 * handshakes (rare, and bounded by the tunnels).
 */
final class FrameRx {
    private static final Logger log = LoggerFactory.getLogger(FrameRx.class);
    /** Where a transport message's opened payload (VNI, frame) starts, from the datagram's start. */
    private static final int PAYLOAD = Tunnels.HEADER;

    /** Answers a handshake message from an endpoint. */
    interface Handshakes {
        void answer(PacketCipher cipher, ByteBuffer b, int off, int len, long source);
    }

    private final Bind bind;
    private final Tunnels tunnels;
    private final Map<Integer, TapPort> ports;
    private final FrameCounters counters;
    private final Handshakes handshakes;
    private final ByteBuffer[] bufs;
    private final long[] addresses;
    private final int[] sizes;
    private final int[] segments;
    private final long[] sources;
    private final TapPort[] touched;
    private int touchedCount;
    private boolean overflow;
    private TapPort last; // the port of the last frame: consecutive frames are mostly of one network
    private final PacketCipher cipher = new PacketCipher();

    FrameRx(Bind bind, int batch, Tunnels tunnels, Map<Integer, TapPort> ports, FrameCounters counters, Handshakes handshakes) {
        this.bind = bind;
        this.tunnels = tunnels;
        this.ports = ports;
        this.counters = counters;
        this.handshakes = handshakes;
        this.bufs = new ByteBuffer[batch];
        this.addresses = new long[batch];
        for (int i = 0; i < batch; i++) {
            bufs[i] = ByteBuffer.allocateDirect(65_536); // a GRO read is at most 64 KiB
            addresses[i] = LibC.address(bufs[i]);
        }
        this.sizes = new int[batch];
        this.segments = new int[batch];
        this.sources = new long[batch];
        this.touched = new TapPort[64]; // distinct networks that got frames in one batch
    }

    /** Moves one batch; returns after {@code timeoutMillis} without one. */
    void pump(int timeoutMillis) throws IOException {
        int n = bind.receive(bufs, sizes, segments, sources, 0, timeoutMillis);
        for (int i = 0; i < n; i++) {
            int size = sizes[i];
            int step = segments[i] > 0 ? segments[i] : size;
            for (int at = 0; at < size; at += step) {
                datagram(i, at, Math.min(step, size - at));
            }
        }
        for (int k = 0; k < touchedCount; k++) {
            flush(touched[k]);
            touched[k] = null;
        }
        touchedCount = 0;
        if (overflow) {
            overflow = false;
            ports.values().forEach(this::flush);
        }
    }

    /** Writes what the port holds before the receive buffers are reused. */
    private void flush(TapPort p) {
        try {
            p.flush();
        } catch (IOException e) {
            log.debug("VNI {}: TAP write: {}", p.vni, e.getMessage());
        }
    }

    private void datagram(int i, int at, int len) {
        ByteBuffer b = bufs[i];
        int r = tunnels.openUnchecked(cipher, b, at, len);
        if (r == Tunnels.HANDSHAKE) {
            handshakes.answer(cipher, b, at, len, sources[i]);
            return;
        }
        if (r <= 0) {
            return; // a keepalive, or refused and counted by Tunnels
        }
        TapPort port = null;
        if (r >= 4) {
            int vni = b.getInt(at + PAYLOAD);
            port = last;
            if (port == null || port.vni != vni || port.stop) {
                port = ports.get(vni); // boxes the VNI: only when it changes
                last = port;
            }
        }
        Tunnel peer = cipher.peer();
        int frame = at + PAYLOAD + 4;
        // The peer's host name is its certificate's, which the datapath checked is the store's name for it.
        FrameDrop refused = FrameSwitch.opened(port == null ? null : port.table, peer.identity().hostName(), b, at + PAYLOAD, r);
        if (refused != null) {
            counters.drop(refused);
            return;
        }
        try {
            port.deliver(b, addresses[i], frame, r - 4);
            counters.received();
        } catch (IOException e) {
            log.debug("VNI {}: TAP write: {}", port.vni, e.getMessage());
            return;
        }
        touch(port);
    }

    private void touch(TapPort port) {
        for (int k = 0; k < touchedCount; k++) {
            if (touched[k] == port) {
                return;
            }
        }
        if (touchedCount == touched.length) {
            overflow = true; // more networks than slots: the batch ends by flushing every port
            return;
        }
        touched[touchedCount++] = port;
    }
}
