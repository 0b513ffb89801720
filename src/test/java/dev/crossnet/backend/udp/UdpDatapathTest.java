package dev.crossnet.backend.udp;

import dev.crossnet.metrics.MetricFamilies;
import dev.crossnet.model.Subnet;
import dev.crossnet.tun.ChannelTun;
import dev.crossnet.udp.ChannelBind.Datagram;
import dev.crossnet.udp.ChannelBind;
import dev.crossnet.udp.Endpoints;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import static dev.crossnet.backend.udp.Packets.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class UdpDatapathTest {
    static final long SELF = Endpoints.of(ip("192.168.1.1"), 8285);
    static final long PEER_A = Endpoints.of(ip("192.168.1.2"), 8285);
    static final long PEER_B = Endpoints.of(ip("192.168.1.3"), 8285);

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final UdpMetrics metrics = new UdpMetrics(registry);
    private final ChannelTun tun = new ChannelTun();
    private final ChannelBind bind = new ChannelBind(SELF);
    private UdpDatapath dp;

    private void start(int batch) {
        dp = new UdpDatapath(tun, bind, batch, metrics);
        dp.ownSubnet(Subnet.parse("10.5.1.0/24"));
        dp.table(ForwardingTable.of(List.of(new Peer(Subnet.parse("10.5.2.0/24"), PEER_A, metrics),
                new Peer(Subnet.parse("10.5.3.0/24"), PEER_B, metrics))));
        dp.start();
    }

    @AfterEach
    void stop() {
        if (dp != null) {
            dp.close();
        }
    }

    private long count(String family, String... labels) {
        return MetricFamilies.counter(registry, family, "", labels.length == 1 ? new String[] {"peer"} : new String[] {"peer", "reason"})
                .labelValues(labels).getLongValue();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 64})
    void tunToUdp_packetForPeer_sentUnchangedToItsEndpoint(int batch) throws Exception {
        start(batch);
        for (int i = 0; i < 100; i++) {
            tun.inbound.add(Packets.ipv4Udp("10.5.1.5", i % 2 == 0 ? "10.5.2.9" : "10.5.3.9", i));
        }
        for (int i = 0; i < 100; i++) {
            Datagram d = bind.outbound.poll(30, TimeUnit.SECONDS);
            assertThat(d).isNotNull();
            assertThat(d.remote()).isEqualTo(i % 2 == 0 ? PEER_A : PEER_B);
            assertThat(d.payload()).isEqualTo(Packets.ipv4Udp("10.5.1.5", i % 2 == 0 ? "10.5.2.9" : "10.5.3.9", i));
        }
        assertThat(count("crossnet_udp_tx_packets_total", "10.5.2.0/24")).isEqualTo(50);
        assertThat(count("crossnet_udp_tx_bytes_total", "10.5.3.0/24")).isEqualTo(50 * 28 + (1 + 99) * 50 / 2);
    }

    @Test
    void tunToUdp_noPeerOrNotIpv4_droppedAndCounted() throws Exception {
        start(64);
        tun.inbound.add(Packets.ipv4Udp("10.5.1.5", "10.5.7.9", 10));
        byte[] v6 = new byte[40];
        v6[0] = 0x60;
        tun.inbound.add(v6);
        tun.inbound.add(Packets.ipv4Udp("10.5.1.5", "10.5.2.9", 10));
        assertThat(bind.outbound.poll(30, TimeUnit.SECONDS).remote()).isEqualTo(PEER_A);
        assertThat(bind.outbound).isEmpty();
        assertThat(count("crossnet_udp_drops_total", UdpMetrics.NO_PEER, "no_route")).isEqualTo(1);
        assertThat(count("crossnet_udp_drops_total", UdpMetrics.NO_PEER, "malformed")).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 64})
    void udpToTun_mixOfGoodAndBad_onlyGoodWrittenAndBadCounted(int batch) throws Exception {
        start(batch);
        byte[] badSum = Packets.ipv4Udp("10.5.2.7", "10.5.1.3", 10);
        badSum[10] ^= 1;
        bind.inbound.add(new Datagram(Endpoints.of(ip("192.168.1.66"), 8285), Packets.ipv4Udp("10.5.2.7", "10.5.1.3", 1)));
        bind.inbound.add(new Datagram(PEER_A, Packets.ipv4Udp("10.5.3.7", "10.5.1.3", 2)));
        bind.inbound.add(new Datagram(PEER_A, Packets.ipv4Udp("10.5.2.7", "10.5.2.3", 3)));
        bind.inbound.add(new Datagram(PEER_A, badSum));
        byte[] good = Packets.ipv4Udp("10.5.2.7", "10.5.1.3", 5);
        bind.inbound.add(new Datagram(PEER_A, good));
        assertThat(tun.outbound.poll(30, TimeUnit.SECONDS)).isEqualTo(good);
        assertThat(tun.outbound).isEmpty();
        assertThat(count("crossnet_udp_drops_total", UdpMetrics.NO_PEER, "unknown_source")).isEqualTo(1);
        assertThat(count("crossnet_udp_drops_total", "10.5.2.0/24", "inner_source_outside_peer")).isEqualTo(1);
        assertThat(count("crossnet_udp_drops_total", "10.5.2.0/24", "inner_destination_outside_host")).isEqualTo(1);
        assertThat(count("crossnet_udp_drops_total", "10.5.2.0/24", "malformed")).isEqualTo(1);
        assertThat(count("crossnet_udp_rx_packets_total", "10.5.2.0/24")).isEqualTo(1);
        assertThat(count("crossnet_udp_rx_bytes_total", "10.5.2.0/24")).isEqualTo(good.length);
    }

    @Test
    void table_swappedWhileRunning_newPeerUsedAndRemovedPeerRefused() throws Exception {
        start(64);
        long moved = Endpoints.of(ip("192.168.1.9"), 8285);
        dp.table(ForwardingTable.of(List.of(new Peer(Subnet.parse("10.5.2.0/24"), moved, metrics))));
        tun.inbound.add(Packets.ipv4Udp("10.5.1.5", "10.5.2.9", 1));
        assertThat(bind.outbound.poll(30, TimeUnit.SECONDS).remote()).isEqualTo(moved);
        bind.inbound.add(new Datagram(PEER_A, Packets.ipv4Udp("10.5.2.7", "10.5.1.3", 1)));
        await().atMost(Duration.ofSeconds(30)).until(() -> count("crossnet_udp_drops_total", UdpMetrics.NO_PEER, "unknown_source") == 1);
        assertThat(tun.outbound).isEmpty();
    }

    @Test
    void close_stopsBothLoopsWithoutFailure() {
        start(8);
        assertThat(dp.loopsAlive()).isTrue();
        dp.close();
        await().atMost(Duration.ofSeconds(30)).until(() -> !dp.loopsAlive());
        assertThat(dp.failure()).isNull();
        byte[] late = Packets.ipv4Udp("10.5.1.5", "10.5.2.9", 1);
        tun.inbound.add(late);
        assertThat(tun.inbound).containsExactly(late); // nobody left to read it
        assertThat(bind.outbound).isEmpty();
    }
}
