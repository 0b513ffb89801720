package dev.crossnet.backend.udp;

import static dev.crossnet.backend.udp.Packets.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.CrossnetException;
import dev.crossnet.metrics.ReconcileErrors;
import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.testing.MutableClock;
import dev.crossnet.tun.ChannelTun;
import dev.crossnet.udp.ChannelBind;
import dev.crossnet.udp.Endpoints;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A udp network whose datapath loops die: reported, restarted with backoff on a fake clock, on channel fakes. */
class UdpNetworkSupervisionTest {
    static final long SELF = Endpoints.of(ip("192.168.1.1"), 8285);
    static final long PEER = Endpoints.of(ip("192.168.1.2"), 8285);

    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    final PrometheusRegistry registry = new PrometheusRegistry();
    final FakeIo io = new FakeIo();
    UdpNetwork net;

    /** Hands out a fresh pair of channel fakes per open and records the device configuration. */
    static final class FakeIo implements DatapathIo {
        final List<ChannelTun> tuns = new CopyOnWriteArrayList<>();
        final List<ChannelBind> binds = new CopyOnWriteArrayList<>();
        final List<String> configured = new CopyOnWriteArrayList<>();
        volatile RuntimeException openFails;

        @Override
        public Opened open() {
            if (openFails != null) {
                throw openFails;
            }
            ChannelTun t = new ChannelTun();
            ChannelBind b = new ChannelBind(SELF);
            tuns.add(t);
            binds.add(b);
            return new Opened(t, b, "channels");
        }

        @Override
        public void configure(String device, String address, int mtu, String network) {
            configured.add(device + " " + address + "/32 mtu " + mtu + " route " + network);
        }

        ChannelTun tun() {
            return tuns.get(tuns.size() - 1);
        }

        ChannelBind bind() {
            return binds.get(binds.size() - 1);
        }
    }

    @BeforeEach
    void setUp() {
        NetworkConfig config = NetworkConfig.parse("{\"Network\":\"10.5.0.0/16\",\"Backend\":{\"Type\":\"udp\"}}");
        net = new UdpNetwork(dev.crossnet.backend.TestPeers.host(java.nio.file.Path.of("/nonexistent")), config, 1472, 64, io,
                new UdpMetrics(registry), clock);
        net.reconcile(List.of(new Lease(Subnet.parse("10.5.2.0/24"), new LeaseAttrs("192.168.1.2", "udp", null), null, 1)));
        net.start(new Lease(Subnet.parse("10.5.1.0/24"), new LeaseAttrs("192.168.1.1", "udp", null), null, 1));
    }

    @AfterEach
    void tearDown() {
        net.close();
    }

    long datapathErrors() {
        return ReconcileErrors.in(registry).labelValues(ReconcileErrors.DATAPATH).getLongValue();
    }

    /** Traffic from the current device reaches the peer through the current socket. */
    void assertForwards() throws InterruptedException {
        io.tun().inbound.add(Packets.ipv4Udp("10.5.1.5", "10.5.2.9", 10));
        ChannelBind.Datagram d = io.bind().outbound.poll(5, TimeUnit.SECONDS);
        assertThat(d).isNotNull();
        assertThat(d.remote()).isEqualTo(PEER);
    }

    /** Closes the current device under the datapath, as a deleted TUN device would fail its reads. */
    void breakDevice() {
        io.tun().close();
        await().atMost(Duration.ofSeconds(60)).until(() -> net.fault() != null);
    }

    @Test
    void loopDies_reportedThenRestartedAfterBackoff_onAFreshDeviceAndSocket() throws Exception {
        assertThat(io.configured).containsExactly("chantun 10.5.1.0/32 mtu 1472 route 10.5.0.0/16");
        assertForwards();
        net.supervise();
        assertThat(io.tuns).hasSize(1); // nothing failed: nothing restarted

        breakDevice();
        assertThat(net.fault()).contains("udp datapath down").contains("TUN -> UDP").contains("closed");
        net.supervise();
        assertThat(datapathErrors()).isEqualTo(1);
        assertThat(net.fault()).contains("restarting at 2026-01-01T00:00:01Z");
        clock.advance(Duration.ofMillis(999));
        net.supervise();
        assertThat(io.tuns).hasSize(1);
        assertThat(net.fault()).isNotNull();

        clock.advance(Duration.ofMillis(1));
        net.supervise();
        assertThat(io.tuns).hasSize(2);
        assertThat(net.fault()).isNull();
        assertThat(io.binds.get(0).outbound).isEmpty();
        assertThat(io.configured).hasSize(2).allMatch(c -> c.equals(io.configured.get(0)));
        assertForwards(); // same table, same subnet, new fds

        // It fails again at once: the next restart waits twice as long.
        breakDevice();
        net.supervise();
        assertThat(datapathErrors()).isEqualTo(2);
        clock.advance(Duration.ofSeconds(1));
        net.supervise();
        assertThat(io.tuns).hasSize(2);
        clock.advance(Duration.ofSeconds(1));
        net.supervise();
        assertThat(io.tuns).hasSize(3);
        assertForwards();

        // Up for RESTART_MAX: the backoff starts over.
        clock.advance(UdpNetwork.RESTART_MAX);
        net.supervise();
        breakDevice();
        net.supervise();
        clock.advance(UdpNetwork.RESTART_MIN);
        net.supervise();
        assertThat(io.tuns).hasSize(4);
        assertThat(net.fault()).isNull();
    }

    @Test
    void restartCannotOpen_faultSaysWhy_countedAndRetriedLater() throws Exception {
        breakDevice();
        net.supervise();
        io.openFails = new CrossnetException("udp 192.168.1.1:8285: address already in use");
        clock.advance(Duration.ofSeconds(1));
        net.supervise();
        assertThat(net.fault()).contains("restarting it failed").contains("address already in use");
        assertThat(datapathErrors()).isEqualTo(2);
        io.openFails = null;
        clock.advance(Duration.ofSeconds(1));
        net.supervise();
        assertThat(io.tuns).hasSize(1); // the backoff is 2 s now
        assertThat(net.fault()).isNotNull();
        clock.advance(Duration.ofSeconds(1));
        net.supervise();
        assertThat(io.tuns).hasSize(2);
        assertThat(net.fault()).isNull();
        assertForwards();
    }
}
