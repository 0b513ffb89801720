package dev.crossnet.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.testing.MachineLock;
import dev.crossnet.testing.Shell;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The packaged install under a real systemd ({@link dev.crossnet.cluster.SystemdServices}): {@code dpkg -i}
 * the .deb, {@code crossnet init}, the units run and the agent turns ready; {@code crossnet leave}
 * stops and disables them.
 *
 * <p>The machine: a throwaway podman container whose root is this machine's own root under an
 * overlay ({@code --rootfs /:O}: every write lands in a scratch layer that goes with the container,
 * and the JRE and etcd-server are this machine's, as the package's dependencies want), with systemd
 * as PID 1 (booted to {@code basic.target}, so none of this machine's enabled services start), and
 * as network a namespace the test makes, holding one veth pair, one end with the host's address. No
 * image, no registry. Needs root, podman and the package's dependencies installed. Holds {@link
 * MachineLock#PACKAGES} throughout, so {@link DebPackageIT} changes no package or unit under the overlay meanwhile.
 */
@Tag("integration")
class SystemdHostIT {
    static final Duration LIMIT = Duration.ofMinutes(4);
    static final String ADDR = "10.251.0.10";
    static final List<String> UNITS = List.of("crossnet-etcd.service", "crossnet-join.service", "crossnet-agent.service");

    static String id;
    static String netns;
    static String container;
    static Path dir;
    static long started;
    static MachineLock packages;

    @BeforeAll
    static void bootSystemd() throws IOException {
        packages = MachineLock.take(MachineLock.PACKAGES);
        started = System.nanoTime();
        id = UUID.randomUUID().toString().replace("-", "").substring(0, 6);
        netns = "cnsd" + id;
        container = "crossnet-systemd-" + id;
        dir = Files.createTempDirectory("crossnet-systemd-it-");
        // As PodmanHost: limits runc can set without CAP_SYS_RESOURCE (this machine's hard limit), and storage of our own.
        Files.writeString(dir.resolve("containers.conf"), String.join("\n", "[containers]",
                "default_ulimits = [\"nofile=" + nofile() + ":" + nofile() + "\", \"nproc=4096:4096\"]", "[engine]",
                "cgroup_manager = \"cgroupfs\"",
                "events_logger = \"file\"", "events_logfile_path = \"" + dir.resolve("events.log") + "\"",
                "tmp_dir = \"" + dir.resolve("tmp") + "\"", ""));
        Files.writeString(dir.resolve("storage.conf"), String.join("\n", "[storage]", "driver = \"vfs\"",
                "runroot = \"" + dir.resolve("run") + "\"", "graphroot = \"" + dir.resolve("storage") + "\"", ""));
        Files.createDirectories(dir.resolve("tmp"));

        Shell.ok("ip", "netns", "add", netns);
        Shell.ok("ip", "-n", netns, "link", "set", "lo", "up");
        Shell.ok("ip", "-n", netns, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0p"); // no dummy module here
        Shell.ok("ip", "-n", netns, "addr", "add", ADDR + "/24", "dev", "eth0");
        Shell.ok("ip", "-n", netns, "link", "set", "eth0", "up");
        Shell.ok("ip", "-n", netns, "link", "set", "eth0p", "up");

        // /tmp and /run as plain tmpfs: podman's own would copy this machine's busy /tmp in first.
        Shell.Result run = podman(120, "run", "-d", "--name", container, "--hostname", "sd1", "--network", "ns:/var/run/netns/" + netns,
                "--cap-add", "NET_ADMIN,SYS_ADMIN", "--sysctl", "net.ipv4.ip_forward=1", "--systemd=always",
                "--tmpfs", "/tmp:rw,mode=1777,notmpcopyup", "--tmpfs", "/run:rw,notmpcopyup",
                "--rootfs", "/:O", "/lib/systemd/systemd", "--unit=basic.target");
        assertThat(run.exit()).as(run.output()).isZero();
        await("systemd has booted").atMost(LIMIT).pollInterval(Duration.ofMillis(500))
                .until(() -> in(30, "systemctl", "is-system-running").output().matches("(?s)(running|degraded).*"));
        System.out.printf("systemd container up in %.1f s (information only)%n", (System.nanoTime() - started) / 1e9);
    }

    @AfterAll
    static void removeAll() {
        try {
            if (container != null) {
                System.out.println(in(30, "journalctl", "--no-pager", "-n", "60", "-u", "crossnet-etcd", "-u", "crossnet-join", "-u",
                        "crossnet-agent").output());
                podman(120, "rm", "-f", "-t", "5", container);
            }
            if (netns != null) {
                Shell.run(30, "ip", "netns", "del", netns);
            }
            if (dir != null) {
                // podman may still be writing its storage for a moment after rm returns
                await("remove " + dir).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> Shell.run(120, "rm", "-rf", dir.toString()).exit() == 0);
            }
            System.out.printf("SystemdHostIT took %.1f s (information only)%n", (System.nanoTime() - started) / 1e9);
        } finally {
            if (packages != null) {
                packages.close();
            }
        }
    }

    /** This machine's hard limit on open files, which nothing here may raise. */
    static long nofile() {
        String h = Shell.ok("sh", "-c", "ulimit -Hn").strip();
        return "unlimited".equals(h) ? 65536 : Math.min(65536, Long.parseLong(h));
    }

    static Shell.Result podman(long timeout, String... args) {
        List<String> cmd = new ArrayList<>(List.of("env", "CONTAINERS_CONF=" + dir.resolve("containers.conf"),
                "CONTAINERS_STORAGE_CONF=" + dir.resolve("storage.conf"), "podman"));
        cmd.addAll(List.of(args));
        return Shell.run(timeout, cmd.toArray(String[]::new));
    }

    /** {@code cmd} inside the container. */
    static Shell.Result in(long timeout, String... cmd) {
        List<String> args = new ArrayList<>(List.of("exec", container));
        args.addAll(List.of(cmd));
        return podman(timeout, args.toArray(String[]::new));
    }

    static String ok(String... cmd) {
        Shell.Result r = in(LIMIT.toSeconds(), cmd);
        assertThat(r.exit()).as(String.join(" ", cmd) + ":\n" + r.output()).isZero();
        return r.output();
    }

    @Test
    void debInstalled_initStartsAndEnablesTheUnits_agentReady_leaveStopsAndDisablesThem() throws IOException {
        assertThat(podman(120, "cp", DebPackageIT.builtPackage().toString(), container + ":/root/crossnet.deb").exit()).isZero();
        // A fresh host: none of this machine's crossnet state shows through the overlay.
        ok("rm", "-rf", "/etc/crossnet", "/var/lib/crossnet");
        ok("dpkg", "--install", "/root/crossnet.deb");
        if (nofile() < 65536) {
            // crossnet-etcd.service asks for 65536 open files; without CAP_SYS_RESOURCE (this sandbox) systemd cannot raise the
            // hard limit, so the unit would fail at LIMITS. A drop-in lowers it to what this machine allows.
            ok("sh", "-c", "mkdir -p /etc/systemd/system/crossnet-etcd.service.d && printf '[Service]\\nLimitNOFILE=" + nofile()
                    + "\\n' > /etc/systemd/system/crossnet-etcd.service.d/sandbox.conf && systemctl daemon-reload");
        }
        for (String unit : UNITS) {
            assertThat(in(30, "systemctl", "is-enabled", unit).output().strip()).as("installing enables nothing").isEqualTo("disabled");
        }

        String init = ok("crossnet", "init", "--advertise-addr", ADDR, "--host-name", "sd1", "--no-docker-setup");
        assertThat(init).contains("crossnet join --token CNT1-").contains(ADDR + ":2377");
        for (String unit : UNITS) {
            assertThat(in(30, "systemctl", "is-active", unit).output().strip()).as(unit).isEqualTo("active");
            assertThat(in(30, "systemctl", "is-enabled", unit).output().strip()).as(unit).isEqualTo("enabled");
        }
        assertThat(in(30, "systemctl", "is-active", "etcd.service").output().strip()).as("Debian's etcd is left alone")
                .isNotEqualTo("active");
        await("the agent, run by systemd, is ready").atMost(LIMIT).pollInterval(Duration.ofSeconds(1))
                .until(() -> in(60, "crossnet", "node", "ls").output(), out -> out.matches("(?s).*sd1\\s+" + ADDR.replace(".", "\\.")
                        + "\\s+\\S+\\s+ready since .*"));
        assertThat(ok("crossnet", "service", "status", "agent")).contains("running").contains("journalctl -u crossnet-agent.service");

        ok("crossnet", "leave");
        for (String unit : UNITS) {
            assertThat(in(30, "systemctl", "is-active", unit).output().strip()).as(unit + ": stopped, not failed").isEqualTo("inactive");
            assertThat(in(30, "systemctl", "is-enabled", unit).output().strip()).as(unit).isEqualTo("disabled");
        }
        assertThat(in(30, "test", "-e", "/etc/crossnet/cluster.json").exit()).as("cluster files gone").isNotZero();
        ok("dpkg", "--purge", "crossnet");
    }
}
