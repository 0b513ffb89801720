package dev.crossnet.docker.sealed;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.docker.sealed.FrameSwitch.Action;
import dev.crossnet.docker.sealed.FrameSwitch.Decision;
import dev.crossnet.docker.sealed.FrameTable.Remote;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The encrypted datapath's switching, ARP proxy and inner check on hand-built frames. No root. */
class FrameSwitchTest {
    static final int OFF = 20; // frames sit behind the seal header and the VNI, as in the datapath
    static final long LOCAL_MAC = FrameTable.mac("02:42:c0:a8:6e:02");
    static final int LOCAL_IP = ip(192, 168, 110, 2);
    static final Remote ON_H2 = new Remote("h2", ip(172, 30, 0, 12), ip(192, 168, 110, 3), FrameTable.mac("02:42:c0:a8:6e:03"));
    static final Remote ON_H3 = new Remote("h3", ip(172, 30, 0, 13), ip(192, 168, 110, 4), FrameTable.mac("02:42:c0:a8:6e:04"));
    static final FrameTable TABLE = FrameTable.of(List.of(ON_H2, ON_H3));

    final ByteBuffer reply = ByteBuffer.allocate(FrameSwitch.ARP_REPLY_LENGTH);
    final Decision d = new Decision();

    static int ip(int a, int b, int c, int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }

    /** An Ethernet frame at {@link #OFF} carrying an IPv4 header (20 bytes) from {@code src} plus 8 bytes. */
    static ByteBuffer ipv4(long dstMac, long srcMac, int src, int dst) {
        ByteBuffer b = ByteBuffer.allocate(OFF + 14 + 28);
        FrameSwitch.putMac(b, OFF, dstMac);
        FrameSwitch.putMac(b, OFF + 6, srcMac);
        b.putShort(OFF + 12, (short) 0x0800);
        b.put(OFF + 14, (byte) 0x45);
        b.putInt(OFF + 14 + 12, src);
        b.putInt(OFF + 14 + 16, dst);
        return b;
    }

    static ByteBuffer arp(long dstMac, long srcMac, int oper, long senderMac, int senderIp, int targetIp) {
        ByteBuffer b = ByteBuffer.allocate(OFF + 42);
        FrameSwitch.putMac(b, OFF, dstMac);
        FrameSwitch.putMac(b, OFF + 6, srcMac);
        b.putShort(OFF + 12, (short) 0x0806);
        int a = OFF + 14;
        b.putShort(a, (short) 1).putShort(a + 2, (short) 0x0800).put(a + 4, (byte) 6).put(a + 5, (byte) 4)
                .putShort(a + 6, (short) oper);
        FrameSwitch.putMac(b, a + 8, senderMac);
        b.putInt(a + 14, senderIp);
        b.putInt(a + 24, targetIp);
        return b;
    }

    static int len(ByteBuffer b) {
        return b.capacity() - OFF;
    }

    @Test
    void outbound_unicastToARemoteEndpoint_goesToItsHost() {
        ByteBuffer f = ipv4(ON_H3.mac(), LOCAL_MAC, LOCAL_IP, ON_H3.ip());
        FrameSwitch.outbound(TABLE, f, OFF, len(f), reply, d);
        assertThat(d.action).isEqualTo(Action.SEND);
        assertThat(d.to.host()).isEqualTo("h3");
    }

    @Test
    void outbound_unicastToAnUnknownMac_droppedNotSent() {
        ByteBuffer f = ipv4(FrameTable.mac("02:42:c0:a8:6e:09"), LOCAL_MAC, LOCAL_IP, ip(192, 168, 110, 9));
        FrameSwitch.outbound(TABLE, f, OFF, len(f), reply, d);
        assertThat(d.action).isEqualTo(Action.DROP);
        assertThat(d.drop).isEqualTo(FrameDrop.NO_DESTINATION);
    }

    @Test
    void outbound_arpRequestForARemoteEndpoint_answeredLocallyWithItsMac() {
        ByteBuffer f = arp(0xffff_ffff_ffffL, LOCAL_MAC, 1, LOCAL_MAC, LOCAL_IP, ON_H2.ip());
        FrameSwitch.outbound(TABLE, f, OFF, len(f), reply, d);
        assertThat(d.action).isEqualTo(Action.REPLY);
        assertThat(FrameSwitch.mac(reply, 0)).as("to the asker").isEqualTo(LOCAL_MAC);
        assertThat(FrameSwitch.mac(reply, 6)).as("from the answer").isEqualTo(ON_H2.mac());
        assertThat(reply.getShort(12)).isEqualTo((short) 0x0806);
        assertThat(reply.getShort(20)).as("oper: reply").isEqualTo((short) 2);
        assertThat(FrameSwitch.mac(reply, 22)).isEqualTo(ON_H2.mac());
        assertThat(reply.getInt(28)).isEqualTo(ON_H2.ip());
        assertThat(FrameSwitch.mac(reply, 32)).isEqualTo(LOCAL_MAC);
        assertThat(reply.getInt(38)).isEqualTo(LOCAL_IP);
    }

    @Test
    void outbound_broadcastsOtherThanArpForRemotes_neverLeaveTheHost() {
        long bcast = 0xffff_ffff_ffffL;
        for (ByteBuffer f : List.of(
                arp(bcast, LOCAL_MAC, 1, LOCAL_MAC, LOCAL_IP, ip(192, 168, 110, 1)), // the gateway: the bridge answers
                arp(bcast, LOCAL_MAC, 1, LOCAL_MAC, LOCAL_IP, ip(192, 168, 110, 77)), // nobody
                arp(bcast, LOCAL_MAC, 2, LOCAL_MAC, LOCAL_IP, ON_H2.ip()), // a gratuitous reply
                ipv4(bcast, LOCAL_MAC, LOCAL_IP, ip(192, 168, 110, 255)),
                ipv4(FrameTable.mac("01:00:5e:00:00:01"), LOCAL_MAC, LOCAL_IP, ip(224, 0, 0, 1)))) {
            FrameSwitch.outbound(TABLE, f, OFF, len(f), reply, d);
            assertThat(d.action).isEqualTo(Action.DROP);
            assertThat(d.drop).isEqualTo(FrameDrop.KEPT_LOCAL);
        }
    }

    @Test
    void outbound_runtFrame_malformed() {
        ByteBuffer f = ByteBuffer.allocate(OFF + 10);
        FrameSwitch.outbound(TABLE, f, OFF, 10, reply, d);
        assertThat(d.drop).isEqualTo(FrameDrop.MALFORMED);
    }

    @Test
    void inbound_fromTheSendersOwnEndpoint_delivered() {
        ByteBuffer f = ipv4(LOCAL_MAC, ON_H2.mac(), ON_H2.ip(), LOCAL_IP);
        assertThat(FrameSwitch.inbound(TABLE, "h2", f, OFF, len(f))).isNull();
        ByteBuffer a = arp(LOCAL_MAC, ON_H2.mac(), 2, ON_H2.mac(), ON_H2.ip(), LOCAL_IP); // unicast ARP (revalidation)
        assertThat(FrameSwitch.inbound(TABLE, "h2", a, OFF, len(a))).isNull();
    }

    @Test
    void inbound_anotherHostsEndpointOrAddress_refused() {
        Map<String, ByteBuffer> refused = Map.of(
                "h3 speaking for h2's endpoint", ipv4(LOCAL_MAC, ON_H2.mac(), ON_H2.ip(), LOCAL_IP),
                "h2's MAC with h3's address", ipv4(LOCAL_MAC, ON_H2.mac(), ON_H3.ip(), LOCAL_IP),
                "an unknown MAC", ipv4(LOCAL_MAC, FrameTable.mac("02:42:c0:a8:6e:09"), ON_H2.ip(), LOCAL_IP),
                "h2's MAC, spoofed source address", ipv4(LOCAL_MAC, ON_H2.mac(), ip(10, 0, 0, 1), LOCAL_IP),
                "ARP naming another address", arp(LOCAL_MAC, ON_H2.mac(), 2, ON_H2.mac(), ip(192, 168, 110, 1), LOCAL_IP));
        refused.forEach((what, f) -> {
            String host = what.startsWith("h3") ? "h3" : "h2";
            assertThat(FrameSwitch.inbound(TABLE, host, f, OFF, len(f))).as(what).isEqualTo(FrameDrop.INNER_SOURCE);
        });
    }

    @Test
    void inbound_broadcastOrOtherProtocols_refused() {
        ByteBuffer bcast = ipv4(0xffff_ffff_ffffL, ON_H2.mac(), ON_H2.ip(), LOCAL_IP);
        assertThat(FrameSwitch.inbound(TABLE, "h2", bcast, OFF, len(bcast))).isEqualTo(FrameDrop.INNER_TYPE);
        ByteBuffer v6 = ipv4(LOCAL_MAC, ON_H2.mac(), ON_H2.ip(), LOCAL_IP);
        v6.putShort(OFF + 12, (short) 0x86dd);
        assertThat(FrameSwitch.inbound(TABLE, "h2", v6, OFF, len(v6))).isEqualTo(FrameDrop.INNER_TYPE);
        ByteBuffer runt = ByteBuffer.allocate(OFF + 20);
        runt.putShort(OFF + 12, (short) 0x0800);
        assertThat(FrameSwitch.inbound(TABLE, "h2", runt, OFF, 20)).isEqualTo(FrameDrop.INNER_TYPE);
    }

    @Test
    void wantedHosts_oneTunnelPerHostAcrossNetworks() {
        FrameTable other = FrameTable.of(List.of(new Remote("h2", ON_H2.hostIp(), ip(192, 168, 120, 3), FrameTable.mac("02:42:c0:a8:78:03"))));
        assertThat(SealedDatapath.wantedHosts(List.of(TABLE, other, FrameTable.EMPTY)))
                .containsExactly(Map.entry("h2", ON_H2.hostIp()), Map.entry("h3", ON_H3.hostIp()));
    }

    @Test
    void mac_parsesAndPrints() {
        ByteBuffer b = ByteBuffer.allocate(6);
        FrameSwitch.putMac(b, 0, FrameTable.mac("02:42:c0:a8:6e:ff"));
        assertThat(b.array()).containsExactly(0x02, 0x42, 0xc0, 0xa8, 0x6e, 0xff);
    }
}
