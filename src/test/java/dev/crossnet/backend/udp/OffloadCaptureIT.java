package dev.crossnet.backend.udp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.kernel.linux.Netns;
import dev.crossnet.model.Subnet;
import dev.crossnet.sys.GatherBatch;
import dev.crossnet.testing.Shell;
import dev.crossnet.tun.LinuxTun;
import dev.crossnet.tun.TunDevice;
import dev.crossnet.udp.Bind;
import dev.crossnet.udp.Endpoints;
import dev.crossnet.udp.LinuxUdp;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the offload datapath between two namespaced hosts with recording wrappers around the real
 * TUN device and socket, and records what the kernel produced: TSO super-packets read from the TUN
 * (virtio_net_hdr + packet) and UDP GRO reads (gso_size + datagrams). With
 * {@code -Dcrossnet.capture=DIR} it saves the first few as the binary resources that
 * {@link KernelPacketsTest} checks split and coalesce against:
 * <pre>
 *   mvn -B -o verify -Pintegration -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=OffloadCaptureIT \
 *       -Dcrossnet.capture=$PWD/src/test/resources/dev/crossnet/backend/udp/kernel
 * </pre>
 * Without the property it still checks that the kernel produced both kinds and that the transfer
 * arrived intact.
 */
@Tag("integration")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class OffloadCaptureIT {
    static final int KEEP = 4;

    final List<byte[]> tso = new CopyOnWriteArrayList<>();
    final List<byte[]> gro = new CopyOnWriteArrayList<>();

    @Test
    void tcpTransfer_kernelProducesTsoAndGro_capturedAndDeliveredIntact() throws Exception {
        try (TwoHostLab lab = TwoHostLab.underlayOnly()) {
            UdpDatapath a = datapath(lab.a, TwoHostLab.UNDERLAY_A, "10.5.1.0/24", "10.5.2.0/24", TwoHostLab.UNDERLAY_B);
            UdpDatapath b = datapath(lab.b, TwoHostLab.UNDERLAY_B, "10.5.2.0/24", "10.5.1.0/24", TwoHostLab.UNDERLAY_A);
            try {
                int size = 8 << 20;
                byte[] data = new byte[size];
                new Random(3).nextBytes(data);
                try (ServerSocket server = Netns.run(lab.b, () -> new ServerSocket(5002, 1, InetAddress.getByName(TwoHostLab.TUN_B)))) {
                    CompletableFuture<byte[]> got = CompletableFuture.supplyAsync(() -> {
                        try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                            return in.readAllBytes();
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    try (Socket c = Netns.run(lab.a, () -> {
                        Socket s = new Socket();
                        s.connect(new InetSocketAddress(TwoHostLab.TUN_B, 5002), 60_000);
                        return s;
                    }); OutputStream out = c.getOutputStream()) {
                        out.write(data);
                    }
                    assertThat(got.get(240, TimeUnit.SECONDS)).as(lab.dump()).isEqualTo(data);
                }
            } finally {
                a.close();
                b.close();
            }
        }
        assertThat(tso).as("TSO super-packets read from the TUN").isNotEmpty();
        assertThat(gro).as("UDP GRO reads").isNotEmpty();
        String dir = System.getProperty("crossnet.capture");
        if (dir != null) {
            Files.createDirectories(Path.of(dir));
            for (int i = 0; i < Math.min(KEEP, tso.size()); i++) {
                Files.write(Path.of(dir, "tso-" + i + ".bin"), tso.get(i));
            }
            for (int i = 0; i < Math.min(KEEP, gro.size()); i++) {
                Files.write(Path.of(dir, "gro-" + i + ".bin"), gro.get(i));
            }
        }
    }

    private UdpDatapath datapath(String ns, String ip, String own, String peer, String peerIp) {
        LinuxTun tun = Netns.run(ns, () -> LinuxTun.open(UdpBackend.DEVICE, true));
        LinuxUdp udp = Netns.run(ns, () -> LinuxUdp.open(Endpoints.of(Packets.ip(ip), 8285), 64, true));
        assertThat(tun.vnetHdr()).isTrue();
        assertThat(udp.gso()).isTrue();
        assertThat(udp.gro()).isTrue();
        UdpMetrics m = new UdpMetrics(new PrometheusRegistry());
        UdpDatapath dp = new UdpDatapath(new RecordingTun(tun), new RecordingBind(udp), 64, m);
        dp.ownSubnet(Subnet.parse(own));
        dp.table(ForwardingTable.of(List.of(new Peer(Subnet.parse(peer), Endpoints.of(Packets.ip(peerIp), 8285), m))));
        dp.start();
        String addr = Subnet.parse(own).address(0).toCanonicalString();
        Shell.ok("ip", "-n", ns, "addr", "add", addr + "/32", "dev", UdpBackend.DEVICE);
        Shell.ok("ip", "-n", ns, "link", "set", UdpBackend.DEVICE, "mtu", "1472", "up");
        Shell.ok("ip", "-n", ns, "route", "add", "10.5.0.0/16", "dev", UdpBackend.DEVICE, "src", addr);
        return dp;
    }

    /** Keeps copies of the first TSO super-packets read. */
    final class RecordingTun implements TunDevice {
        final LinuxTun tun;

        RecordingTun(LinuxTun tun) {
            this.tun = tun;
        }

        @Override
        public String name() {
            return tun.name();
        }

        @Override
        public boolean vnetHdr() {
            return true;
        }

        @Override
        public int read(ByteBuffer[] bufs, int[] sizes, int offset, int timeoutMillis) throws IOException {
            int n = tun.read(bufs, sizes, offset, timeoutMillis);
            for (int i = 0; i < n && tso.size() < KEEP; i++) {
                if (VirtioNetHdr.gsoType(bufs[i], offset) == VirtioNetHdr.GSO_TCPV4 && sizes[i] > 16_000) {
                    byte[] p = new byte[sizes[i]];
                    bufs[i].get(offset, p);
                    tso.add(p);
                }
            }
            return n;
        }

        @Override
        public int write(ByteBuffer[] bufs, int[] sizes, int count, int offset) throws IOException {
            return tun.write(bufs, sizes, count, offset);
        }

        @Override
        public int write(GatherBatch batch) throws IOException {
            return tun.write(batch);
        }

        @Override
        public void close() {
            tun.close();
        }
    }

    /** Keeps copies of the first GRO reads of several datagrams, prefixed by their gso_size (4 bytes). */
    final class RecordingBind implements Bind {
        final LinuxUdp udp;

        RecordingBind(LinuxUdp udp) {
            this.udp = udp;
        }

        @Override
        public long localEndpoint() {
            return udp.localEndpoint();
        }

        @Override
        public boolean gso() {
            return udp.gso();
        }

        @Override
        public int receive(ByteBuffer[] bufs, int[] sizes, long[] sources, int offset, int timeoutMillis) {
            throw new UnsupportedOperationException("GRO is on");
        }

        @Override
        public int receive(ByteBuffer[] bufs, int[] sizes, int[] segments, long[] sources, int offset, int timeoutMillis)
                throws IOException {
            int n = udp.receive(bufs, sizes, segments, sources, offset, timeoutMillis);
            for (int i = 0; i < n && gro.size() < KEEP; i++) {
                if (segments[i] > 0 && sizes[i] > 4 * segments[i]) {
                    ByteBuffer p = ByteBuffer.allocate(4 + sizes[i]).putInt(segments[i]);
                    bufs[i].get(offset, p.array(), 4, sizes[i]);
                    gro.add(p.array());
                }
            }
            return n;
        }

        @Override
        public int send(ByteBuffer[] bufs, int[] sizes, long[] dests, int count, int offset) throws IOException {
            return udp.send(bufs, sizes, dests, count, offset);
        }

        @Override
        public int send(ByteBuffer[] bufs, int[] sizes, int[] segments, long[] dests, int count, int offset) throws IOException {
            return udp.send(bufs, sizes, segments, dests, count, offset);
        }

        @Override
        public int send(GatherBatch batch) throws IOException {
            return udp.send(batch);
        }

        @Override
        public void close() {
            udp.close();
        }
    }
}
