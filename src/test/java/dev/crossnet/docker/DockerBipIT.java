package dev.crossnet.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.agent.SubnetEnv;
import dev.crossnet.docker.lab.BusyboxImage;
import dev.crossnet.docker.lab.DockerDaemon;
import dev.crossnet.docker.lab.Exec;
import dev.crossnet.lab.Lab;
import dev.crossnet.lab.LabOptions;
import dev.crossnet.model.BackendConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Seed 001's flannel flow: each host's dockerd is started with the options crossnet's agent wrote
 * ({@code DOCKER_NETWORK_OPTIONS}: {@code --bip}, {@code --ip-masq}, {@code --mtu}), so docker0
 * and its containers sit in the host's leased subnet, and default-bridge containers on two hosts
 * reach each other across the overlay. Docker keeps its iptables on, as on a real host (it sets
 * the FORWARD policy to DROP; crossnet's forward rules must still let overlay traffic through).
 */
@Tag("integration")
class DockerBipIT {
    private static final Duration CMD = Duration.ofSeconds(60);

    @ParameterizedTest
    @EnumSource(value = BackendConfig.Type.class, names = {"VXLAN", "HOST_GW"})
    void dockerdWithAgentOptions_defaultBridgeContainersInLeasedSubnets_pingAcrossHosts(BackendConfig.Type backend) throws Exception {
        String name = "cns" + UUID.randomUUID().toString().replace("-", "").substring(0, 7);
        List<DockerDaemon> daemons = new ArrayList<>();
        Lab lab = Lab.up(LabOptions.defaults().withName(name).withHosts(2).withContainersPerHost(0).withBackend(backend)
                .withProgress(line -> System.out.println("  " + line)));
        try {
            Path tarball = BusyboxImage.tarball(BusyboxImage.DEFAULT_CACHE);
            for (String h : List.of("h1", "h2")) {
                Map<String, String> opts = SubnetEnv.readVars(lab.dir().resolve(h).resolve("docker.env"));
                List<String> args = new ArrayList<>(List.of(opts.get("DOCKER_NETWORK_OPTIONS").trim().split("\\s+")));
                assertThat(args).anyMatch(a -> a.startsWith("--bip=")).anyMatch(a -> a.startsWith("--mtu=")).anyMatch(a -> a.startsWith("--ip-masq="));
                args.add("--iptables=true");
                // The lab builds its container bridge cn0 on the leased subnet even with no containers;
                // docker0 takes that subnet here, so cn0 goes (two bridges cannot own one on-link route).
                Exec.run(CMD, "ip", "-n", lab.host(h).netns(), "link", "del", "cn0").orThrow();
                DockerDaemon d = DockerDaemon.start(lab.host(h).netns(), lab.dir().resolve(h).resolve("docker"), CMD, args.toArray(String[]::new));
                daemons.add(d);
                BusyboxImage.importInto(d, tarball);
                d.docker(CMD, "run", "-d", "--name", "b" + h, "busybox", "sleep", "600").orThrow();
            }
            String ip1 = ip(daemons.get(0), "bh1");
            String ip2 = ip(daemons.get(1), "bh2");
            assertThat(ip1).startsWith(prefixOf(lab.host("h1").subnet()));
            assertThat(ip2).startsWith(prefixOf(lab.host("h2").subnet()));
            int mtu = lab.host("h1").mtu();
            assertThat(daemons.get(0).docker(CMD, "exec", "bh1", "ip", "-o", "link", "show", "eth0").orThrow().stdout()).contains("mtu " + mtu);

            awaitPing(daemons.get(0), "bh1", ip2);
            awaitPing(daemons.get(1), "bh2", ip1);
        } catch (Throwable t) {
            System.out.println(lab.diagnostics());
            daemons.forEach(d -> System.out.println("=== dockerd " + d.netns() + "\n" + d.logTail(30)));
            throw t;
        } finally {
            for (DockerDaemon d : daemons) {
                d.docker(CMD, "rm", "-f", "bh1", "bh2");
                d.close();
            }
            lab.close();
        }
    }

    /** {@code 10.5.34.} for {@code 10.5.34.0/24}: the lab leases /24s. */
    private static String prefixOf(String subnet) {
        String net = subnet.substring(0, subnet.indexOf('/'));
        return net.substring(0, net.lastIndexOf('.') + 1);
    }

    private static String ip(DockerDaemon d, String name) {
        return d.docker(CMD, "inspect", "-f", "{{.NetworkSettings.IPAddress}}", name).orThrow().stdout().strip();
    }

    private static void awaitPing(DockerDaemon d, String container, String target) {
        await(container + " -> " + target).atMost(MacvlanHosts.PATIENCE).pollInterval(Duration.ofMillis(200))
                .until(() -> d.docker(Duration.ofSeconds(10), "exec", container, "ping", "-c", "1", "-W", "1", target).ok());
    }
}
