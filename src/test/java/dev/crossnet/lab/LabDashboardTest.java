package dev.crossnet.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabDashboardTest {
    @Test
    void agentArgs_labChoosesNothing_loopbackOfTheHostNamespace() {
        assertThat(LabDashboard.agentArgs(List.of("--ip-masq"))).containsExactly("--dashboard-listen", "127.0.0.1:10272");
    }

    @Test
    void agentArgs_labFlagsChooseAnAddress_notGivenTwice() {
        assertThat(LabDashboard.agentArgs(List.of("--dashboard-listen", "off"))).isEmpty();
        assertThat(LabDashboard.agentArgs(List.of("--dashboard-listen=127.0.0.1:9000"))).isEmpty();
    }

    @Test
    void url_onlyOnceWritten(@TempDir Path dir) throws Exception {
        assertThat(LabDashboard.url(dir)).isEmpty();
        Files.writeString(dir.resolve("dashboard.url"), "http://127.0.0.1:10280/\n");
        assertThat(LabDashboard.url(dir)).hasValue("http://127.0.0.1:10280/");
    }

    @Test
    void listenerInodes_onlyListeningSocketsOnThatPort() {
        List<String> table = List.of(
                "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
                "   0: 0100007F:2818 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4711 1 0",
                "   1: 0100007F:2818 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4712 1 0",
                "   2: 0100007F:2819 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4713 1 0");
        assertThat(ListeningSockets.listenerInodes(table, 10264)).containsExactly("4711");
        assertThat(ListeningSockets.listenerInodes(table, 10266)).isEmpty();
    }

    @Test
    void ownedBy_thisJvmsListener_notAChildsOrNobodys() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThat(ListeningSockets.ownedBy(ProcessHandle.current(), s.getLocalPort())).isTrue();
            Process sleeper = new ProcessBuilder("sleep", "30").start();
            try {
                assertThat(ListeningSockets.ownedBy(sleeper.toHandle(), s.getLocalPort())).isFalse();
            } finally {
                sleeper.destroy();
            }
        }
    }

    /**
     * Two labs coming up at once both saw the first port free; the one whose socat lost the bind
     * handed out the other lab's URL, since something accepted there. Here the port looks free but
     * is another listener's: the URL must name a port of this lab's own socat. (The old check lost
     * only while the losing socat had not exited yet, about one time in three here: hence rounds.)
     */
    @Test
    void forward_portTakenBetweenTheLookAndSocatsBind_handsOutAPortOfItsOwnSocat(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/socat")), "socat is not installed (scripts/install-deps installs it)");
        for (int round = 0; round < 6; round++) {
            Path dir = Files.createDirectory(tmp.resolve("lab" + round));
            try (ServerSocket other = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int taken = other.getLocalPort();
                try {
                    String url = LabDashboard.forward(dir, "cnt-no-such-ns", Duration.ofSeconds(60), taken, port -> true);
                    int port = URI.create(url).getPort();
                    assertThat(port).as("the port another listener holds").isNotEqualTo(taken);
                    assertThat(ProcessHandle.current().children().anyMatch(c -> ListeningSockets.ownedBy(c, port)))
                            .as("this lab's socat listens on " + url).isTrue();
                    assertThat(LabDashboard.url(dir)).hasValue(url);
                } finally {
                    String marker = dir.toString();
                    ProcessHandle.current().children()
                            .filter(c -> c.info().arguments().map(a -> String.join(" ", a).contains(marker)).orElse(false))
                            .forEach(ProcessHandle::destroy);
                }
            }
        }
    }
}
