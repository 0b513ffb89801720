package dev.crossnet.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.agent.SubnetEnv;
import dev.crossnet.docker.lab.BusyboxImage;
import dev.crossnet.docker.lab.DockerDaemon;
import dev.crossnet.docker.lab.Exec;
import dev.crossnet.lab.Lab;
import dev.crossnet.lab.LabOptions;
import dev.crossnet.model.BackendConfig;
import dev.crossnet.testing.NetnsLab;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Containers the CNI plugin attaches ({@link CniHarness}, as a runtime calls it, on lab hosts
 * whose agents wrote subnet.env) reach containers on another host: CNI ones over host-gw and udp
 * (vxlan is {@link PodmanCniIT}'s, with podman), with full-size unfragmented packets, and a Docker
 * container on the {@code --bip} flow (dockerd started with the agent's docker options, as in
 * {@code DockerBipIT}). One two-host lab per test, no containers of the lab's own.
 */
@Tag("integration")
class CniAcrossHostsIT {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final Duration CMD = Duration.ofSeconds(60);
    /** The lab's agents serve /readyz on this port of their host's loopback (the lab's --healthz-port). */
    private static final String LAB_AGENT_HEALTHZ = "127.0.0.1:10271";

    @RegisterExtension
    final NetnsLab containers = new NetnsLab();
    @TempDir
    Path dir;

    /** A container namespace the plugin attached, and the address it got. */
    private record Attached(String ns, String ip) {
    }

    @ParameterizedTest
    @EnumSource(value = BackendConfig.Type.class, names = {"HOST_GW", "UDP"})
    void cniContainersOnTwoHosts_pingEachOtherAtFullMtu_statusReady_delCleans(BackendConfig.Type backend) throws Exception {
        Lab lab = up(backend);
        try {
            Attached c1 = add(lab, "h1");
            Attached c2 = add(lab, "h2");
            awaitPing(c1, c2.ip(), lab.host("h1").mtu());
            awaitPing(c2, c1.ip(), lab.host("h2").mtu());

            CniHarness.Call status = cni(lab, "h1").call(Map.of("CNI_COMMAND", "STATUS", "CNI_PATH", CniHarness.DEBIAN_CNI_PATH),
                    conf(lab, "h1", "1.1.0", ",\"agentHealthz\":\"" + LAB_AGENT_HEALTHZ + "\""));
            assertThat(status.exit()).as(status.toString()).isZero();

            for (String h : List.of("h1", "h2")) {
                Attached c = h.equals("h1") ? c1 : c2;
                CniHarness.Call del = cni(lab, h).call("DEL", c.ns(), "/var/run/netns/" + c.ns(), "eth0", conf(lab, h));
                assertThat(del.exit()).as(del.toString()).isZero();
                assertThat(NetnsLab.sh("ip -o link", c.ns())).doesNotContain("eth0");
            }
        } catch (Throwable t) {
            System.out.println(lab.diagnostics());
            throw t;
        } finally {
            lab.close();
        }
    }

    @Test
    void cniContainer_andDockerBipContainerOnAnotherHost_pingEachOther() throws Exception {
        Lab lab = up(BackendConfig.Type.VXLAN);
        DockerDaemon docker = null;
        try {
            Attached cni = add(lab, "h1");
            Map<String, String> opts = SubnetEnv.readVars(lab.dir().resolve("h2").resolve("docker.env"));
            List<String> args = new ArrayList<>(List.of(opts.get("DOCKER_NETWORK_OPTIONS").trim().split("\\s+")));
            assertThat(args).anyMatch(a -> a.startsWith("--bip="));
            args.add("--iptables=true");
            docker = DockerDaemon.start(lab.host("h2").netns(), lab.dir().resolve("h2").resolve("docker"), CMD, args.toArray(String[]::new));
            BusyboxImage.importInto(docker, BusyboxImage.tarball(BusyboxImage.DEFAULT_CACHE));
            docker.docker(CMD, "run", "-d", "--name", "bip", "busybox", "sleep", "600").orThrow();
            String dockerIp = docker.docker(CMD, "inspect", "-f", "{{.NetworkSettings.IPAddress}}", "bip").orThrow().stdout().strip();
            assertThat(dockerIp).startsWith(prefixOf(lab.host("h2").subnet()));

            awaitPing(cni, dockerIp, lab.host("h1").mtu());
            DockerDaemon d = docker;
            await("bip -> " + cni.ip()).atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
                    .until(() -> d.docker(Duration.ofSeconds(10), "exec", "bip", "ping", "-c", "1", "-W", "1", cni.ip()).ok());
        } catch (Throwable t) {
            System.out.println(lab.diagnostics());
            if (docker != null) {
                System.out.println("=== dockerd h2\n" + docker.logTail(30));
            }
            throw t;
        } finally {
            if (docker != null) {
                docker.docker(CMD, "rm", "-f", "bip");
                docker.close();
            }
            lab.close();
        }
    }

    private static Lab up(BackendConfig.Type backend) {
        String name = "cnc" + UUID.randomUUID().toString().replace("-", "").substring(0, 7);
        Lab lab = Lab.up(LabOptions.defaults().withName(name).withHosts(2).withContainersPerHost(0).withBackend(backend)
                .withProgress(line -> System.out.println("  " + line)));
        // The lab builds its container bridge cn0 on each leased subnet even with no containers;
        // the plugin's bridge and docker0 take that subnet here, so cn0 goes.
        for (String h : List.of("h1", "h2")) {
            Exec.run(CMD, "ip", "-n", lab.host(h).netns(), "link", "del", "cn0").orThrow();
        }
        return lab;
    }

    private static CniHarness cni(Lab lab, String host) {
        return new CniHarness(lab.host(host).netns());
    }

    private String conf(Lab lab, String host) {
        return conf(lab, host, "1.0.0", "");
    }

    /** The network config for {@code host}'s subnet.env, records under the test's directory; {@code extra} fields start with ','. */
    private String conf(Lab lab, String host, String version, String extra) {
        Path d = dir.resolve(host);
        return "{\"cniVersion\":\"" + version + "\",\"name\":\"crossnet\",\"type\":\"crossnet\",\"subnetFile\":\""
                + lab.dir().resolve(host).resolve("subnet.env") + "\",\"dataDir\":\"" + d.resolve("data")
                + "\",\"ipam\":{\"dataDir\":\"" + d.resolve("ipam") + "\"}" + extra + "}";
    }

    /** ADD of a new container namespace on {@code host}: its address is in the host's lease, its MTU the host's. */
    private Attached add(Lab lab, String host) {
        String ns = containers.namespace("c" + host);
        CniHarness.Call add = cni(lab, host).call("ADD", ns, "/var/run/netns/" + ns, "eth0", conf(lab, host));
        assertThat(add.exit()).as(add.toString()).isZero();
        String cidr = add.json().at("/ips/0/address").asText();
        assertThat(cidr).startsWith(prefixOf(lab.host(host).subnet()));
        assertThat(NetnsLab.sh("ip -o link show dev eth0", ns)).contains("mtu " + lab.host(host).mtu());
        return new Attached(ns, cidr.substring(0, cidr.indexOf('/')));
    }

    /** Until a small ping and then a full-size one with DF set (the host's MTU, no fragments) get replies. */
    private void awaitPing(Attached from, String ip, int mtu) {
        await(from.ns() + " -> " + ip).atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
                .until(() -> containers.ping(from.ns(), ip, 56));
        await(from.ns() + " -> " + ip + " at MTU " + mtu).atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
                .until(() -> containers.ping(from.ns(), ip, mtu - 28));
    }

    /** {@code 10.5.34.} for {@code 10.5.34.0/24}: the lab leases /24s. */
    private static String prefixOf(String subnet) {
        String net = subnet.substring(0, subnet.indexOf('/'));
        return net.substring(0, net.lastIndexOf('.') + 1);
    }
}
