package dev.crossnet.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.docker.lab.Exec;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A host gone for good: h2's agent and dockerd stop and never come back. Its endpoints,
 * attachment and IPAM addresses are reaped by h1 once its presence record has been gone for
 * {@code --docker-reap-after} (short here), h1's FDB and neighbour entries to it go, its addresses
 * are free again, and {@code docker network rm} (refused while h2 lived) succeeds on h1.
 */
@Tag("integration")
class DockerReapIT {

    @Test
    void deadHost_recordsReaped_peerEntriesGone_networkRmSucceeds() {
        try (DockerLab d = new DockerLab("cnr", 2, "--docker-presence-ttl", "2s", "--docker-reap-after", "6s")) {
            try {
                scenario(d);
            } catch (Throwable t) {
                d.dump();
                throw t;
            }
        }
    }

    private void scenario(DockerLab d) {
        d.docker("h1", "network", "create", "-d", "crossnet", "--ipam-driver", "crossnet", "--subnet", "192.168.100.0/24",
                "--gateway", "192.168.100.1", "net");
        d.awaitNetwork("h2", "net");
        d.run("h1", "net", "c1");
        d.run("h2", "net", "c2");
        d.run("h2", "net", "c3");
        String ip2 = d.ip("h2", "c2");
        String ip3 = d.ip("h2", "c3");
        String h2Underlay = d.lab.ip("h2");
        d.awaitPing("h1", "c1", ip2);
        d.awaitPing("h1", "c1", ip3);
        assertThat(fdb(d)).contains("dst " + h2Underlay);
        assertThat(neighbours(d)).contains(ip2).contains(ip3);
        assertThat(d.snapshot("/docker/hosts/")).contains("/docker/hosts/h1=").contains("/docker/hosts/h2=");
        assertThat(h2Records(d)).isNotEmpty();
        Exec.Result busy = d.tryDocker("h1", "network", "rm", "net");
        assertThat(busy.ok()).isFalse();
        assertThat(busy.stderr()).contains("active endpoints on host h2");

        // h2 dies: its agent first, so its dockerd cannot clean up through the plugins on the way down.
        long died = System.nanoTime();
        d.lab.stopAgent("h2");
        DockerLab.stopDaemon(d.lab.dir().resolve("h2/docker"));

        // Reaped by h1's reaper (its log says so), not cleaned up by h2 on its way down.
        await("h2's Docker records reaped by h1").atMost(DockerLab.PATIENCE).pollInterval(Duration.ofMillis(200))
                .until(() -> h2Records(d).isEmpty() && Files.readString(d.lab.agentLog("h1")).contains("host h2 has had no presence record"));
        // For the record only, never checked: presence TTL 2 s + reap-after 6 s + up to one pass.
        System.out.printf("h2 reaped %.1f s after its agent stopped%n", (System.nanoTime() - died) / 1e9);
        await("h1's FDB and neighbour entries to h2 gone").atMost(DockerLab.PATIENCE).pollInterval(Duration.ofMillis(200))
                .until(() -> !fdb(d).contains(h2Underlay) && !neighbours(d).contains(ip2) && !neighbours(d).contains(ip3));
        assertThat(d.snapshot("/docker/hosts/")).contains("/docker/hosts/h1=").doesNotContain("/docker/hosts/h2=");
        assertThat(d.snapshot("/docker/endpoints/")).contains("\"Host\":\"h1\"");

        // h2's addresses are back in the pool; h1 keeps working.
        d.run("h1", "net", "c4", "--ip", ip2);
        assertThat(d.ip("h1", "c4")).isEqualTo(ip2);
        d.awaitPing("h1", "c1", ip2);

        d.docker("h1", "rm", "-f", "c1", "c4");
        d.docker("h1", "network", "rm", "net");
        assertThat(d.docker("h1", "network", "ls", "--format", "{{.Name}}")).doesNotContain("net");
        assertThat(d.snapshot("/docker/networks/")).isEmpty();
        assertThat(d.snapshot("/docker/endpoints/")).isEmpty();
        assertThat(d.snapshot("/docker/attachments/")).isEmpty();
        assertThat(d.snapshot("/ipam/")).isEmpty();
    }

    /** h2's endpoints, attachments, IPAM claims and addresses in the store, one per line. */
    private static String h2Records(DockerLab d) {
        StringBuilder out = new StringBuilder();
        d.snapshot("/docker/endpoints/").lines().filter(l -> l.contains("\"Host\":\"h2\"")).forEach(l -> out.append(l).append('\n'));
        d.snapshot("/docker/attachments/").lines().filter(l -> l.contains("/h2=")).forEach(l -> out.append(l).append('\n'));
        d.snapshot("/ipam/").lines().filter(l -> l.contains("\"Host\":\"h2\"") && !l.contains("GATEWAY"))
                .forEach(l -> out.append(l).append('\n'));
        return out.toString();
    }

    private static String fdb(DockerLab d) {
        return d.lab.exec("h1", "bridge", "fdb", "show", "dev", "cnvx4096").out();
    }

    private static String neighbours(DockerLab d) {
        return d.lab.exec("h1", "ip", "neigh", "show", "dev", "cnvx4096").out();
    }
}
