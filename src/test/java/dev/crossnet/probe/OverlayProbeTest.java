package dev.crossnet.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.ProblemLog;
import dev.crossnet.model.Subnet;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two probes on loopback addresses standing in for overlay addresses (Linux answers all of 127/8 on lo), so the echo
 * logic and the socket handling run without root or namespaces. The overlay in the lab is tested by StatusLabIT.
 */
class OverlayProbeTest {
    static final Subnet NETWORK = Subnet.parse("127.77.0.0/16");
    static final int PORT = 18474;
    final ProbeTarget a = PeerProbesTest.target("10.0.0.1", "127.77.1.0");
    final ProbeTarget b = PeerProbesTest.target("10.0.0.2", "127.77.2.0");
    OverlayProbe pa;
    OverlayProbe pb;

    @AfterEach
    void tearDown() {
        for (OverlayProbe p : new OverlayProbe[] {pa, pb}) {
            if (p != null) {
                p.close();
            }
        }
    }

    static OverlayProbe probe(ProbeTarget self, List<ProbeTarget> peers) {
        OverlayProbe p = new OverlayProbe(() -> self, () -> peers, NETWORK, PORT, Clock.systemUTC(), System::nanoTime);
        p.start();
        return p;
    }

    @Test
    void aRound_isTheIntervalUpTo40Peers_thenPacedTo20EchoesASecond_andTheLossWindowIsThreeRoundsAndASecond() {
        assertThat(OverlayProbe.roundLength(0)).isEqualTo(Duration.ofSeconds(2));
        assertThat(OverlayProbe.roundLength(40)).isEqualTo(Duration.ofSeconds(2));
        assertThat(OverlayProbe.roundLength(41)).isEqualTo(Duration.ofMillis(2050));
        assertThat(OverlayProbe.roundLength(1000)).isEqualTo(Duration.ofSeconds(50));
        assertThat(OverlayProbe.lossWindow(Duration.ofSeconds(2))).isEqualTo(Duration.ofSeconds(7));
        assertThat(OverlayProbe.lossWindow(Duration.ofSeconds(50))).isEqualTo(Duration.ofSeconds(151));
    }

    @Test
    void twoProbes_reachEachOtherWithAnRtt_andOneStopped_isUnreachableForTheOther() {
        pa = probe(a, List.of(b));
        pb = probe(b, List.of(a));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(pa.results()).singleElement().satisfies(r -> {
                assertThat(r.publicIp()).isEqualTo("10.0.0.2");
                assertThat(r.reachable()).isTrue();
                assertThat(r.rttMs()).isNotNull().isGreaterThanOrEqualTo(0.0);
            });
            assertThat(pb.results()).singleElement().satisfies(r -> assertThat(r.reachable()).isTrue());
        });

        pb.close();

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(pa.results()).singleElement().satisfies(r -> assertThat(r.reachable()).isFalse()));
    }

    @Test
    void anEchoFromOutsideTheNetwork_getsNoAnswer_oneFromInsideDoes() throws Exception {
        pa = probe(a, List.of());
        byte[] echo = new ProbePacket(ProbePacket.Kind.ECHO, 9, 9).encode();
        await().atMost(Duration.ofSeconds(30)).until(() -> answered("127.77.9.9", echo));

        assertThat(answered("127.0.0.1", echo)).as("127.0.0.1 is outside " + NETWORK).isFalse();
    }

    @Test
    void aSocketThatCannotBeBound_isACurrentProblemUntilItIs() {
        AtomicReference<ProbeTarget> self = new AtomicReference<>(PeerProbesTest.target("10.0.0.1", "192.0.2.1")); // not ours
        pa = new OverlayProbe(self::get, List::of, NETWORK, PORT, Clock.systemUTC(), System::nanoTime);
        pa.start();

        await().atMost(Duration.ofSeconds(30)).until(() -> ProblemLog.everyProblem().stream()
                .anyMatch(p -> p.kind().equals("overlay probe") && p.object().equals("socket on 192.0.2.1:" + PORT)));

        self.set(a);

        await().atMost(Duration.ofSeconds(30)).until(() -> ProblemLog.everyProblem().stream()
                .noneMatch(p -> p.kind().equals("overlay probe")));
    }

    @Test
    void anEchoThatCannotBeSent_isACurrentProblem_untilThePeerLeaves() {
        ProbeTarget broadcast = PeerProbesTest.target("10.0.0.9", "255.255.255.255"); // refused: no SO_BROADCAST
        AtomicReference<List<ProbeTarget>> peers = new AtomicReference<>(List.of(broadcast, b));
        pa = new OverlayProbe(() -> a, peers::get, NETWORK, PORT, Clock.systemUTC(), System::nanoTime);
        pa.start();

        await().atMost(Duration.ofSeconds(30)).until(() -> ProblemLog.everyProblem().stream()
                .anyMatch(p -> p.kind().equals("overlay probe") && p.object().equals("echo to 10.0.0.9")));
        assertThat(ProblemLog.everyProblem()).noneMatch(p -> p.object().equals("echo to 10.0.0.2"));

        peers.set(List.of(b));

        await().atMost(Duration.ofSeconds(30)).until(() -> ProblemLog.everyProblem().stream()
                .noneMatch(p -> p.kind().equals("overlay probe")));
    }

    /** Whether an echo sent from {@code from} gets an answer from probe a. */
    private boolean answered(String from, byte[] echo) throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(from), 0))) {
            s.setSoTimeout(1000);
            s.send(new DatagramPacket(echo, echo.length, new InetSocketAddress(a.address(), PORT)));
            byte[] buf = new byte[64];
            DatagramPacket d = new DatagramPacket(buf, buf.length);
            try {
                s.receive(d);
            } catch (SocketTimeoutException e) {
                return false;
            }
            return ProbePacket.decode(d.getData(), d.getLength()) != null;
        }
    }
}
