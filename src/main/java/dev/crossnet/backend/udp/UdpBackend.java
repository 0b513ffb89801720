package dev.crossnet.backend.udp;

import dev.crossnet.CrossnetException;
import dev.crossnet.backend.Backend;
import dev.crossnet.backend.HostContext;
import dev.crossnet.backend.Network;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.kernel.Link;
import dev.crossnet.model.BackendConfig;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.udp.Endpoints;
import dev.crossnet.udp.LinuxUdp;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Optional;
import java.util.function.Supplier;
import java.time.Duration;
import java.time.Instant;
import dev.crossnet.seal.CertificateRejected;
import dev.crossnet.seal.Limits;
import dev.crossnet.seal.SealClock;
import dev.crossnet.seal.SealIdentity;
import dev.crossnet.seal.Tunnels;
import dev.crossnet.seal.X509Certificates;

/**
 * The {@code udp} backend: a userspace datapath, wire-compatible with flannel's udp backend.
 *
 * <h2>How it works</h2>
 * Each host has one TUN device, {@code crossnet0}, that carries the lease's first address as a
 * /32 and one route for the whole network; the kernel hands every packet for another host's
 * subnet to this process, which sends it, unchanged, as the payload of a UDP datagram to that
 * host's PublicIP on port 8285; the receiving process checks it and writes it to its own TUN.
 * <pre>
 *   host A, lease 10.5.2.0/24, PublicIP 192.168.1.2, network 10.5.0.0/16:
 *     link  crossnet0 (tun, mtu 1472 = 1500 - 28), address 10.5.2.0/32, up
 *     route 10.5.0.0/16 dev crossnet0 src 10.5.2.0 proto 152
 *     socket udp 192.168.1.2:8285
 *   per peer (10.5.3.0/24 at 192.168.1.3): nothing in the kernel; one forwarding-table entry
 *     10.5.3.0/24 -> 192.168.1.3:8285 in this process.
 * </pre>
 * Like flannel, the TUN device and route stay when the process exits (the device is persistent),
 * and a restart adopts them. The address, MTU, UP flag and route are written through the {@link
 * Kernel} the backend is given (route with protocol {@link Kernel#ROUTE_PROTOCOL}). {@link #register} only checks; the device and socket are made in
 * {@link Network#start}, once the lease is held, so a failed lease leaves nothing behind.
 *
 * <p>Encrypted ({@code Backend.Encrypt}): the same objects, an MTU {@value #SEAL_OVERHEAD} bytes smaller
 * (1440 on a 1500 underlay), and each datagram a sealed transport message of {@link
 * dev.crossnet.seal} instead of the bare packet; handshake messages share the port. The lease
 * carries the host's seal certificate ({@code BackendData.Certificate}); per peer, one {@link
 * dev.crossnet.seal.Tunnel} made from its published certificate once it verifies, none (and no
 * traffic) otherwise. Packets are sealed after the lookup and TSO split and opened before the
 * receive checks and TCP coalescing, so GSO and GRO still apply.
 *
 * <p>Modes ({@link Offload}): with {@code TUN} offloads the device runs with {@code IFF_VNET_HDR}
 * and TSO, so local TCP arrives as 64 KiB super-packets that are split in userspace, and received
 * segments are coalesced back (each segment's TCP checksum verified first) and written with one
 * {@code writev} straight from the receive buffers; {@code TUN_AND_UDP} adds UDP GSO (one
 * {@code sendmmsg} slot carries a whole split super-packet, its payload copied and checksummed in
 * one pass) and UDP GRO. Each feature the kernel refuses falls back on its own, at open or, for
 * UDP GSO, at the first refused send; the mode in force is logged. The wire format never changes: one
 * bare IP packet of at most MTU bytes per datagram. {@code batch > 1} moves up to that many
 * buffers per {@code recvmmsg}/{@code sendmmsg}; {@code batch == 1} is the plain per-packet path.
 *
 * <p>Thread-safe for the agent's use: {@code register} and the {@link Network} calls come from
 * one thread.
 */
public final class UdpBackend implements Backend {

    /** The TUN device's name. */
    public static final String DEVICE = "crossnet0";
    /** Encapsulation overhead on the underlay: 20 IP + 8 UDP. */
    public static final int UDP_OVERHEAD = 28; // 20 IP + 8 UDP
    /** What sealing adds on an encrypted network: 16 header (type, receiver index, counter) + 16 AES-GCM tag. */
    public static final int SEAL_OVERHEAD = Tunnels.OVERHEAD; // 16 + 16
    /** The default number of packets per batch. */
    public static final int DEFAULT_BATCH = 64;

    /** Which offloads to ask the kernel for; each one it refuses is off. */
    public enum Offload {
        /** Plain TUN, one packet per read and write; plain UDP. */
        NONE,
        /** TUN with {@code IFF_VNET_HDR} + TSO: split in userspace on send, coalesce on receive. */
        TUN,
        /** {@link #TUN} plus UDP GSO ({@code UDP_SEGMENT}) and UDP GRO ({@code UDP_GRO}). */
        TUN_AND_UDP
    }

    private final Kernel kernel;
    private final PrometheusRegistry metrics;
    private final int batch;
    private final Offload offload;
    private final Supplier<SealIdentity> seal;

    /** A backend programming {@code kernel}, with the default batch size and all offloads, counting into {@code metrics}. */
    public UdpBackend(Kernel kernel, PrometheusRegistry metrics) {
        this(kernel, metrics, DEFAULT_BATCH, Offload.TUN_AND_UDP, NO_SEAL);
    }

    /**
     * Like {@link #UdpBackend(Kernel, PrometheusRegistry)}; {@code seal} gives this host's seal key
     * and certificates when a network asks for {@code Backend.Encrypt} (called then, once per register).
     */
    public UdpBackend(Kernel kernel, PrometheusRegistry metrics, Supplier<SealIdentity> seal) {
        this(kernel, metrics, DEFAULT_BATCH, Offload.TUN_AND_UDP, seal);
    }

    /** For a host with no seal identity: an encrypted network is refused, naming the field. */
    public static final Supplier<SealIdentity> NO_SEAL = () -> {
        throw new CrossnetException("Backend.Encrypt: this agent has no seal key and certificate (crossnet init/join"
                + " write seal.key and seal.crt into the host's config directory)");
    };

    /**
     * @param kernel  where the device's address, MTU and route are read and written; the same
     *                network namespace as the threads that call {@link #register} and {@link Network#start}
     *                (the TUN device and socket are opened in theirs)
     * @param metrics where per-peer counters go ({@code crossnet_udp_*})
     * @param batch   packets per batch; 1 selects the plain per-packet path
     * @param offload the offloads to try
     */
    public UdpBackend(Kernel kernel, PrometheusRegistry metrics, int batch, Offload offload) {
        this(kernel, metrics, batch, offload, NO_SEAL);
    }

    /** @param seal this host's seal identity, asked for only by an encrypted network */
    public UdpBackend(Kernel kernel, PrometheusRegistry metrics, int batch, Offload offload, Supplier<SealIdentity> seal) {
        this.seal = seal;
        if (batch < 1 || batch > 1024) {
            throw new IllegalArgumentException("batch must be 1-1024, got " + batch);
        }
        this.kernel = kernel;
        this.metrics = metrics;
        this.batch = batch;
        this.offload = offload;
    }

    @Override
    public String type() {
        return BackendConfig.Type.UDP.wire();
    }

    /**
     * Checks, changing nothing, in the calling thread's network namespace: that PublicIP:Port can be
     * bound (a socket is bound and closed at once) and that a link called {@code crossnet0}, if any,
     * is a TUN device. Blocking.
     *
     * @throws CrossnetException when the config is not a udp one, the port is taken, or a
     *                           non-TUN link is called {@code crossnet0}
     */
    @Override
    public Network register(HostContext host, NetworkConfig config) {
        BackendConfig bc = config.backend();
        if (bc.type() != BackendConfig.Type.UDP) {
            throw new CrossnetException("the udp backend cannot run a network whose Backend.Type is " + bc.type());
        }
        if (!host.publicIp().isIPv4()) {
            throw new CrossnetException("the udp backend needs an IPv4 PublicIP, got " + host.publicIp());
        }
        Sealer sealer = null;
        byte[] cert = null;
        if (bc.encrypt()) {
            SealIdentity id = seal.get();
            try {
                X509Certificates ca = X509Certificates.trusting(id.caCertificate());
                // Our own certificate must verify too: peers would refuse it, and nothing would flow.
                ca.verify(id.certificate(), Instant.now());
                Limits limits = bc.rekeyAfter() == 0 ? Limits.DEFAULT : Limits.rekeyingAfter(Duration.ofSeconds(bc.rekeyAfter()));
                sealer = new Sealer(id.staticPrivate(), id.certificate(), ca, limits, SealClock.SYSTEM, metrics);
                cert = id.certificate();
                Sealer.warmUp();
            } catch (CertificateRejected e) {
                throw new CrossnetException("Backend.Encrypt: this host's seal certificate is refused: " + e.getMessage(), e);
            }
        }
        // Sealed datagrams carry SEAL_OVERHEAD more bytes, so the inner packets must be that much smaller.
        int mtu = bc.mtu() != 0 ? bc.mtu() : host.ifaceMtu() - UDP_OVERHEAD - (bc.encrypt() ? SEAL_OVERHEAD : 0);
        long local = Endpoints.of(host.publicIp(), bc.port());
        requireTunOrAbsent();
        LinuxUdp.open(local, 1).close();
        return new UdpNetwork(kernel, host, config, mtu, local, batch, offload, new UdpMetrics(metrics), sealer, cert);
    }

    /** Throws unless {@link #DEVICE} is absent or a TUN device. Read-only. */
    private void requireTunOrAbsent() {
        Optional<Link> existing = kernel.links().find(DEVICE);
        if (existing.isPresent() && !existing.get().kind().equals("tun")) {
            String kind = existing.get().kind().isEmpty() ? "plain device" : existing.get().kind();
            throw new CrossnetException("a link called " + DEVICE + " exists and is a " + kind + ", not a TUN device;"
                    + " delete it (ip link del " + DEVICE + ") or run the udp backend elsewhere");
        }
    }
}
