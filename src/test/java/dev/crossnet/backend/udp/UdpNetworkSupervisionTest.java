package dev.crossnet.backend.udp;

import static dev.crossnet.backend.udp.Packets.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.CrossnetException;
import dev.crossnet.kernel.Link;
import dev.crossnet.kernel.RecordingKernel;
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
    final RecordingKernel kernel = new RecordingKernel();
    final FakeIo io = new FakeIo(kernel);
    UdpNetwork net;

    /**
     * Hands out a fresh pair of channel fakes per open; each open makes the device anew in {@code
     * kernel} (down, MTU 1500, no address), as opening a deleted TUN device does.
     */
    static final class FakeIo implements DatapathIo {
        final RecordingKernel kernel;
        final List<ChannelTun> tuns = new CopyOnWriteArrayList<>();
        final List<ChannelBind> binds = new CopyOnWriteArrayList<>();
        volatile RuntimeException openFails;

        FakeIo(RecordingKernel kernel) {
            this.kernel = kernel;
        }

        @Override
        public Opened open() {
            if (openFails != null) {
                throw openFails;
            }
            ChannelTun t = new ChannelTun();
            ChannelBind b = new ChannelBind(SELF);
            tuns.add(t);
            binds.add(b);
            // A device made anew: the kernel dropped the old one's routes with it.
            kernel.deviceRoutes.values().removeIf(r -> r.dev().equals(t.name()));
            kernel.addLink(new Link(t.name(), 100 + tuns.size(), "tun", "", 1500, false, null, List.of()));
            return new Opened(t, b, "channels");
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
        net = new UdpNetwork(kernel, dev.crossnet.backend.TestPeers.host(java.nio.file.Path.of("/nonexistent")), config, 1472,
                64, io, new UdpMetrics(registry), clock);
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

    /** What configuring a fresh device writes: address, then MTU and UP, then the route, through the kernel. */
    static final List<String> CONFIGURE = List.of("setAddress chantun 10.5.1.0/32", "setLink chantun mtu 1472 up",
            "replaceDeviceRoute 10.5.0.0/16 dev chantun src 10.5.1.0");

    @Test
    void start_configuresTheDeviceThroughTheKernel_andAgainWritesNothing() {
        assertThat(kernel.calls).containsExactly(CONFIGURE.get(0), CONFIGURE.get(1), CONFIGURE.get(2),
                "sysctl net/ipv4/ip_forward=1");
        kernel.clearCalls();

        net.start(new Lease(Subnet.parse("10.5.1.0/24"), new LeaseAttrs("192.168.1.1", "udp", null), null, 1));

        assertThat(kernel.calls).as("a second start with nothing changed").isEmpty();
        assertThat(io.tuns).hasSize(1);
    }

    @Test
    void loopDies_reportedThenRestartedAfterBackoff_onAFreshDeviceAndSocket() throws Exception {
        assertThat(kernel.calls).containsSubsequence(CONFIGURE);
        kernel.clearCalls();
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
        assertThat(kernel.calls).as("the fresh device configured again").containsExactlyElementsOf(CONFIGURE);
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

    /** Regression: start() threw "cannot set the address of device …: it does not exist" on every resync until the restart. */
    @Test
    void deviceDeletedUnderTheDatapath_startLeavesItToSupervise_whichConfiguresTheNewOne() throws Exception {
        Lease own = new Lease(Subnet.parse("10.5.1.0/24"), new LeaseAttrs("192.168.1.1", "udp", null), null, 1);
        kernel.links.remove("chantun");
        breakDevice();
        kernel.clearCalls();

        net.start(own);

        assertThat(kernel.calls).isEmpty();
        net.supervise();
        clock.advance(UdpNetwork.RESTART_MIN);
        net.supervise();
        assertThat(net.fault()).isNull();
        assertThat(kernel.calls).containsExactlyElementsOf(CONFIGURE);
        net.start(own);
        assertForwards();
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
