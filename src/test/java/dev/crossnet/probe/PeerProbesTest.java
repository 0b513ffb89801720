package dev.crossnet.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerProbesTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final Duration WINDOW = Duration.ofSeconds(7);
    final ProbeTarget h2 = target("192.168.1.2", "10.5.2.0");
    final ProbeTarget h3 = target("192.168.1.3", "10.5.3.0");
    final PeerProbes probes = new PeerProbes(WINDOW, 100);

    static ProbeTarget target(String publicIp, String overlay) {
        try {
            return new ProbeTarget(publicIp, overlay + "/24", InetAddress.getByName(overlay));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void anAnsweredEcho_makesThePeerReachableWithItsRtt_untilTheLossWindowPasses() {
        ProbePacket echo = probes.echo(h2, 1_000_000L, T0);

        boolean counted = probes.answered(h2.address(), echo.answer(), 1_250_000L, T0.plusMillis(1));

        assertThat(counted).isTrue();
        PeerProbes.Reach r = probes.snapshot(T0.plusSeconds(6)).get(0);
        assertThat(r.publicIp()).isEqualTo("192.168.1.2");
        assertThat(r.subnet()).isEqualTo("10.5.2.0/24");
        assertThat(r.reachable()).isTrue();
        assertThat(r.rttMs()).isEqualTo(0.25);
        assertThat(r.lastProbe()).isEqualTo(T0);
        assertThat(probes.snapshot(T0.plusMillis(1).plus(WINDOW)).get(0).reachable()).as("window over").isFalse();
        assertThat(probes.snapshot(T0.plusMillis(1).plus(WINDOW)).get(0).rttMs()).as("the last RTT stays").isEqualTo(0.25);
    }

    @Test
    void aLongerLossWindow_keepsAnAnsweredPeerReachableLonger() {
        ProbePacket echo = probes.echo(h2, 1_000_000L, T0);
        probes.answered(h2.address(), echo.answer(), 1_250_000L, T0);
        Instant later = T0.plus(WINDOW).plusSeconds(1);
        assertThat(probes.snapshot(later).get(0).reachable()).isFalse();

        probes.lossWindow(Duration.ofSeconds(31));

        assertThat(probes.snapshot(later).get(0).reachable()).isTrue();
        assertThat(probes.snapshot(T0.plusSeconds(31)).get(0).reachable()).isFalse();
    }

    @Test
    void aPeerNeverAnswered_isUnreachableWithoutRtt() {
        probes.echo(h2, 0, T0);

        assertThat(probes.snapshot(T0)).containsExactly(new PeerProbes.Reach("192.168.1.2", "10.5.2.0/24", false, null, T0));
    }

    @Test
    void anAnswerFromAnotherAddress_aWrongSeqOrStamp_aRepeat_orAnEcho_isNotCounted() {
        ProbePacket echo = probes.echo(h2, 5, T0);
        probes.echo(h3, 5, T0);

        assertThat(probes.answered(h3.address(), echo.answer(), 10, T0)).as("from h3").isFalse();
        assertThat(probes.answered(h2.address(), new ProbePacket(ProbePacket.Kind.ANSWER, echo.seq() + 7, 5), 10, T0)).as("seq").isFalse();
        assertThat(probes.answered(h2.address(), new ProbePacket(ProbePacket.Kind.ANSWER, echo.seq(), 4), 10, T0)).as("stamp").isFalse();
        assertThat(probes.answered(h2.address(), echo, 10, T0)).as("an echo is no answer").isFalse();
        assertThat(probes.snapshot(T0)).extracting(PeerProbes.Reach::reachable).containsExactly(false, false);

        assertThat(probes.answered(h2.address(), echo.answer(), 10, T0)).isTrue();
        assertThat(probes.answered(h2.address(), echo.answer(), 10, T0)).as("a repeat").isFalse();
    }

    @Test
    void onlyTheLastEchoesInFlightCanBeAnswered() {
        ProbePacket first = probes.echo(h2, 1, T0);
        for (int i = 0; i < PeerProbes.IN_FLIGHT; i++) {
            probes.echo(h2, 2 + i, T0);
        }
        assertThat(probes.answered(h2.address(), first.answer(), 10, T0)).isFalse();
    }

    @Test
    void echoesInFlight_canBeAnsweredInAnyOrder_eachOnce_andTheRttIsTheAnsweredOnes() {
        ProbePacket[] echoes = new ProbePacket[PeerProbes.IN_FLIGHT];
        for (int i = 0; i < echoes.length; i++) {
            echoes[i] = probes.echo(h2, 1_000_000L * (i + 1), T0);
        }
        assertThat(probes.answered(h2.address(), echoes[1].answer(), 10_000_000L, T0)).isTrue();
        assertThat(probes.snapshot(T0).get(0).rttMs()).isEqualTo(8.0);
        assertThat(probes.answered(h2.address(), echoes[1].answer(), 10_000_000L, T0)).isFalse();
        assertThat(probes.answered(h2.address(), echoes[3].answer(), 10_000_000L, T0)).isTrue();
        assertThat(probes.answered(h2.address(), echoes[0].answer(), 10_000_000L, T0)).isTrue();
        ProbePacket newer = probes.echo(h2, 5_000_000L, T0); // three slots free: echoes[2] is still in flight
        assertThat(probes.answered(h2.address(), echoes[2].answer(), 10_000_000L, T0)).isTrue();
        assertThat(probes.answered(h2.address(), newer.answer(), 10_000_000L, T0)).isTrue();
        assertThat(probes.snapshot(T0).get(0).rttMs()).isEqualTo(5.0);
        assertThat(probes.answers()).isEqualTo(5);
    }

    @Test
    void retain_forgetsPeersThatLeft() {
        probes.echo(h2, 0, T0);
        probes.echo(h3, 0, T0);

        probes.retain(List.of(h3));

        assertThat(probes.snapshot(T0)).extracting(PeerProbes.Reach::publicIp).containsExactly("192.168.1.3");
    }

    @Test
    void theSketch_changesWithReachabilityAndPeers_notWithRttsOrProbeTimes() {
        ProbePacket echo = probes.echo(h2, 1_000_000L, T0);
        probes.echo(h3, 1_000_000L, T0);
        PeerProbes.Sketch none = probes.sketch(T0);
        probes.answered(h2.address(), echo.answer(), 1_250_000L, T0);
        PeerProbes.Sketch h2Up = probes.sketch(T0);
        assertThat(h2Up).isNotEqualTo(none);
        assertThat(h2Up.reachable().get(0)).isTrue();

        ProbePacket again = probes.echo(h2, 2_000_000L, T0.plusSeconds(2));
        probes.answered(h2.address(), again.answer(), 2_900_000L, T0.plusSeconds(2));
        probes.echo(h3, 2_000_000L, T0.plusSeconds(2));
        assertThat(probes.sketch(T0.plusSeconds(3))).as("another RTT, later probes: the same").isEqualTo(h2Up);
        assertThat(probes.answers()).as("but two RTTs measured").isEqualTo(2);

        assertThat(probes.sketch(T0.plusSeconds(2).plus(WINDOW))).as("the window passed").isEqualTo(none);
        probes.retain(List.of(h2));
        assertThat(probes.sketch(T0)).as("a peer left").isNotEqualTo(h2Up);
        PeerProbes.Sketch oneLeft = probes.sketch(T0);
        probes.echo(target("192.168.1.9", "10.5.2.0"), 3_000_000L, T0);
        assertThat(probes.sketch(T0)).as("the same overlay address, another PublicIP").isNotEqualTo(oneLeft);
    }
}
