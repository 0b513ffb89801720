package dev.crossnet.dns;

import dev.crossnet.docker.MacvlanHosts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.docker.lab.DockerDaemon;
import dev.crossnet.docker.lab.Exec;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Names across hosts on a real dockerd per host: seed 000/002's {@code busybox1}/{@code busybox2},
 * here on seed 004's macvlan network with crossnet's cluster-wide IPAM.
 */
@Tag("integration")
class DockerNamesIT {
    /** The limit on waits for names to appear, go or expire: generous, since it only stops a broken run. */
    private static final Duration RESOLVE = MacvlanHosts.PATIENCE;

    @Test
    void macvlanOnTwoHosts_namesAndAliasesResolveAcrossHosts_andGoAwayWithTheContainer() throws Exception {
        try (MacvlanHosts hosts = new MacvlanHosts(2)) {
            try {
                DockerDaemon h1 = hosts.docker(1);
                DockerDaemon h2 = hosts.docker(2);
                hosts.createNetwork();
                run(h1, "busybox1");
                run(h2, "busybox2", "--network-alias", "web");
                String ip1 = ip(h1, "busybox1");
                String ip2 = ip(h2, "busybox2");

                awaitPing(h1, "busybox1", "busybox2");
                awaitPing(h2, "busybox2", "busybox1");
                awaitPing(h1, "busybox1", "web");
                assertThat(lookup(h1, "busybox1", "busybox2")).contains(ip2);
                assertThat(lookup(h2, "busybox2", "busybox1")).contains(ip1);
                assertThat(lookup(h1, "busybox1", "web")).contains(ip2);

                // The scope rule: an address that is no container's (here the host itself) resolves nothing.
                Exec.Result fromHost = Exec.run(Duration.ofSeconds(20), "nsenter", "--net=/var/run/netns/" + hosts.host(1),
                        "busybox", "nslookup", "busybox2", MacvlanHosts.underlayIp(1));
                assertThat(fromHost.ok()).as(fromHost.stdout() + fromHost.stderr()).isFalse();
                assertThat(fromHost.stdout() + fromHost.stderr()).doesNotContain(ip2);

                // A removed container's names stop resolving everywhere.
                h2.docker(MacvlanHosts.CMD, "rm", "-f", "busybox2").orThrow();
                await("busybox2 gone on h1").atMost(RESOLVE).pollInterval(Duration.ofMillis(100))
                        .until(() -> !resolves(h1, "busybox1", "busybox2") && !resolves(h1, "busybox1", "web"));

                // A host that dies without cleaning up: its names expire with the record TTL (6 s here).
                run(h2, "busybox3");
                await("busybox3 on h1").atMost(RESOLVE).pollInterval(Duration.ofMillis(100))
                        .until(() -> resolves(h1, "busybox1", "busybox3"));
                hosts.killDns(2);
                await("busybox3 expired").atMost(RESOLVE).pollInterval(Duration.ofMillis(200))
                        .until(() -> !resolves(h1, "busybox1", "busybox3"));
            } catch (Throwable t) {
                hosts.dump();
                throw t;
            }
        }
    }

    static void run(DockerDaemon d, String name, String... extra) {
        java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of("run", "-d", "--name", name, "--network", MacvlanHosts.NET));
        argv.addAll(java.util.List.of(extra));
        argv.addAll(java.util.List.of("busybox", "sleep", "600"));
        d.docker(MacvlanHosts.CMD, argv.toArray(String[]::new)).orThrow();
    }

    static String ip(DockerDaemon d, String name) {
        return d.docker(MacvlanHosts.CMD, "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name)
                .orThrow().stdout().strip();
    }

    static String lookup(DockerDaemon d, String container, String name) {
        return d.docker(Duration.ofSeconds(15), "exec", container, "nslookup", name).stdout();
    }

    static boolean resolves(DockerDaemon d, String container, String name) {
        return d.docker(Duration.ofSeconds(15), "exec", container, "nslookup", name).ok();
    }

    private static void awaitPing(DockerDaemon d, String container, String name) {
        await(container + " pings " + name).atMost(RESOLVE).pollInterval(Duration.ofMillis(200))
                .until(() -> d.docker(Duration.ofSeconds(10), "exec", container, "ping", "-c", "1", "-W", "1", name).ok());
    }
}
