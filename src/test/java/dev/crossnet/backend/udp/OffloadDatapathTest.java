package dev.crossnet.backend.udp;

import static dev.crossnet.backend.udp.Packets.ip;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.model.Subnet;
import dev.crossnet.tun.ChannelTun;
import dev.crossnet.udp.ChannelBind.Datagram;
import dev.crossnet.udp.ChannelBind;
import dev.crossnet.udp.Endpoints;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The offload loops over channel fakes, with a TUN that has a virtio_net_hdr and a socket without
 * UDP GSO/GRO (the per-feature fallback): a kernel-captured TSO super-packet leaves as MSS-sized
 * datagrams, and those datagrams, received, reach the TUN as one coalesced GSO packet.
 */
class OffloadDatapathTest {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final UdpMetrics metrics = new UdpMetrics(registry);
    private final List<UdpDatapath> running = new ArrayList<>();

    @AfterEach
    void stop() {
        running.forEach(UdpDatapath::close);
    }

    private UdpDatapath start(ChannelTun tun, ChannelBind bind, String own, String peer, long peerEndpoint) {
        UdpDatapath dp = new UdpDatapath(tun, bind, 64, metrics);
        dp.ownSubnet(Subnet.parse(own));
        dp.table(ForwardingTable.of(List.of(new Peer(Subnet.parse(peer), peerEndpoint, metrics))));
        dp.start();
        running.add(dp);
        return dp;
    }

    @Test
    void kernelSuperPacket_sentAsSegmentsWithoutGso_thenCoalescedBackOnReceive() throws Exception {
        byte[] tso = KernelPacketsTest.resource("tso-2.bin");
        ByteBuffer in = ByteBuffer.wrap(tso);
        int pkt = VirtioNetHdr.SIZE;
        String src = Endpoints.ipToString(in.getInt(pkt + 12));
        String dst = Endpoints.ipToString(in.getInt(pkt + 16));
        long hostA = Endpoints.of(ip("192.168.250.1"), 8285);
        long hostB = Endpoints.of(ip("192.168.250.2"), 8285);
        ChannelTun tunA = new ChannelTun(true);
        ChannelBind bindA = new ChannelBind(hostA);
        start(tunA, bindA, src + "/24", dst + "/24", hostB);
        tunA.inbound.add(tso);

        int mss = VirtioNetHdr.gsoSize(ByteBuffer.wrap(tso).order(java.nio.ByteOrder.BIG_ENDIAN), 0);
        List<byte[]> expected = KernelPacketsTest.split(KernelPacketsTest.direct(tso), pkt, tso.length - pkt, mss);
        List<Datagram> sent = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            Datagram d = bindA.outbound.poll(30, TimeUnit.SECONDS);
            assertThat(d).as("datagram %d of %d", i, expected.size()).isNotNull();
            assertThat(d.remote()).isEqualTo(hostB);
            assertThat(d.payload()).isEqualTo(expected.get(i));
            sent.add(d);
        }

        ChannelTun tunB = new ChannelTun(true);
        ChannelBind bindB = new ChannelBind(hostB);
        // All of them queued before B starts, so its first read takes a full batch: how many arrive
        // together must not depend on how the test thread and the loop happen to be scheduled.
        for (Datagram d : sent) {
            bindB.inbound.add(new Datagram(hostA, d.payload()));
        }
        start(tunB, bindB, dst + "/24", src + "/24", hostA);
        List<byte[]> written = new ArrayList<>();
        int segments = 0;
        while (segments < expected.size()) {
            byte[] w = tunB.outbound.poll(30, TimeUnit.SECONDS);
            assertThat(w).isNotNull();
            written.add(w);
            ByteBuffer b = ByteBuffer.wrap(w);
            segments += VirtioNetHdr.gsoType(b, 0) == VirtioNetHdr.GSO_TCPV4
                    ? KernelPacketsTest.split(KernelPacketsTest.direct(w), pkt, w.length - pkt, VirtioNetHdr.gsoSize(b, 0)).size() : 1;
        }
        assertThat(written.size()).as("coalesced writes").isLessThan(expected.size());
        assertThat(written.stream().mapToInt(w -> w.length - pkt).sum()
                - (written.size() - 1) * (expected.get(0).length - mss)).isEqualTo(tso.length - pkt);
    }
}
