package dev.crossnet.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.docker.lab.Exec;
import dev.crossnet.lab.Lab;
import dev.crossnet.lab.LabOptions;
import dev.crossnet.model.BackendConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A real runtime: Debian's podman 4.3 with {@code network_backend = "cni"} on two lab hosts (vxlan
 * backend), each with a CNI network {@code crossnet} that runs {@code target/cni/crossnet}. A
 * container on h1 pings one on h2 and back, again after h2's agent restarts, and a container
 * started on h2 after the restart reaches h1's; {@code podman rm} runs the plugin's DEL, which
 * releases the address and forgets the container.
 */
@Tag("integration")
class PodmanCniIT {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @Test
    void podmanContainersOnTwoHosts_pingAcrossTheOverlay_beforeAndAfterAnAgentRestart() throws Exception {
        String name = "cnt" + UUID.randomUUID().toString().replace("-", "").substring(0, 7);
        Lab lab = Lab.up(LabOptions.defaults().withName(name).withHosts(2).withContainersPerHost(0)
                .withBackend(BackendConfig.Type.VXLAN).withProgress(line -> System.out.println("  " + line)));
        List<PodmanHost> hosts = new ArrayList<>();
        try {
            for (String h : List.of("h1", "h2")) {
                // The lab builds its own container bridge cn0 on the leased subnet even with no
                // containers; the plugin's bridge takes that subnet here, so cn0 goes.
                Exec.run(PodmanHost.CMD, "ip", "-n", lab.host(h).netns(), "link", "del", "cn0").orThrow();
                hosts.add(PodmanHost.start(lab.host(h).netns(), lab.dir().resolve(h).resolve("podman"),
                        CniHarness.PLUGIN.getParent(), lab.dir().resolve(h).resolve("subnet.env")));
            }
            PodmanHost h1 = hosts.get(0);
            PodmanHost h2 = hosts.get(1);
            String ip1 = h1.run("p1");
            String ip2 = h2.run("p2");
            assertThat(ip1).startsWith(prefixOf(lab.host("h1").subnet()));
            assertThat(ip2).startsWith(prefixOf(lab.host("h2").subnet()));
            assertThat(h1.podman("exec", "p1", "ip", "-o", "link", "show", "eth0").orThrow().stdout())
                    .contains("mtu " + lab.host("h1").mtu());

            awaitPing(h1, "p1", ip2);
            awaitPing(h2, "p2", ip1);

            lab.stopAgent("h2");
            lab.startAgent("h2");
            awaitPing(h1, "p1", ip2);
            awaitPing(h2, "p2", ip1);
            String ip3 = h2.run("p3");
            awaitPing(h2, "p3", ip1);
            awaitPing(h1, "p1", ip3);

            h1.podman("rm", "-f", "-t", "0", "p1").orThrow();
            assertThat(files(h1.ipamDir())).noneMatch(f -> f.endsWith("/" + ip1));
            assertThat(files(h1.dataDir())).isEmpty();
        } catch (Throwable t) {
            System.out.println(lab.diagnostics());
            hosts.forEach(p -> System.out.println(p.diagnostics()));
            throw t;
        } finally {
            hosts.forEach(PodmanHost::close);
            lab.close();
        }
    }

    private static void awaitPing(PodmanHost host, String container, String ip) {
        await(container + " -> " + ip).atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).until(() -> host.ping(container, ip));
    }

    /** {@code 10.5.34.} for {@code 10.5.34.0/24}: the lab leases /24s. */
    private static String prefixOf(String subnet) {
        String net = subnet.substring(0, subnet.indexOf('/'));
        return net.substring(0, net.lastIndexOf('.') + 1);
    }

    private static List<String> files(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(Path::toString).toList();
        }
    }
}
