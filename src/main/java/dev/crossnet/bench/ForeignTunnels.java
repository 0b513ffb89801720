package dev.crossnet.bench;

import dev.crossnet.CrossnetException;
import dev.crossnet.lab.Lab;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's userspace tunnels between hosts {@code h1} and {@code h2} of a lab, as baselines for
 * the encrypted udp backend: {@code wireguard-go} (its userspace TUN, configured with {@code wg};
 * the kernel here has no WireGuard) and {@code nebula} (certificates from {@code nebula-cert}, a
 * static host map, no lighthouse). Each tunnel gets a /24 of its own ({@link #WG_NET}, {@link
 * #NEBULA_NET}) and MTU {@value #MTU}. Keys, certificates and configs are files under the lab's
 * directory (mode 0600 for private keys; nothing secret on a command line); the processes run in
 * the hosts' namespaces and {@link #close} stops them by their process ids. For benchmarks only:
 * nothing in crossnet depends on these programs.
 */
final class ForeignTunnels implements AutoCloseable {
    static final String WG_NET = "10.98.0."; // h1 .1, h2 .2
    static final String NEBULA_NET = "10.97.0.";
    static final int MTU = 1420; // wireguard-go's default; nebula's (1300) raised to match
    private static final int WG_PORT = 51820;
    private static final int NEBULA_PORT = 4242;

    private final Lab lab;
    private final Path dir;
    private final List<Process> wg = new ArrayList<>();
    private final List<Process> nebula = new ArrayList<>();
    private final String device; // + host index: wireguard-go's control socket, /var/run/wireguard/NAME.sock, is machine-wide

    ForeignTunnels(Lab lab) {
        this.lab = lab;
        this.dir = lab.dir().resolve("foreign-tunnels");
        this.device = lab.name(); // lab names are at most 12 characters: "wg" + 12 + "1" < IFNAMSIZ (16)
    }

    /** Starts wireguard-go on h1 and h2 and waits until h1 pings h2 through it. Blocking. */
    void startWireguardGo() {
        mkdirs();
        String[] priv = new String[2];
        String[] pub = new String[2];
        for (int i = 0; i < 2; i++) {
            priv[i] = run(null, "wg", "genkey").strip();
            pub[i] = run(priv[i] + "\n", "wg", "pubkey").strip();
        }
        for (int i = 1; i <= 2; i++) {
            String host = "h" + i;
            String wgDevice = "wg" + device + i;
            Path key = secret("wg-" + host + ".key", priv[i - 1]);
            wg.add(lab.spawn(host, "wireguard-go", "-f", wgDevice));
            awaitLink(host, wgDevice);
            String peer = lab.ip("h" + (3 - i));
            check(host, "wg", "set", wgDevice, "private-key", key.toString(), "listen-port", Integer.toString(WG_PORT),
                    "peer", pub[2 - i], "allowed-ips", WG_NET + (3 - i) + "/32", "endpoint", peer + ":" + WG_PORT);
            check(host, "ip", "addr", "add", WG_NET + i + "/24", "dev", wgDevice);
            check(host, "ip", "link", "set", wgDevice, "mtu", Integer.toString(MTU), "up");
        }
        awaitPing(WG_NET + "2");
    }

    /** Starts nebula on h1 and h2 with a throw-away CA and waits until h1 pings h2 through it. Blocking. */
    void startNebula() {
        mkdirs();
        String ca = dir.resolve("nebula-ca").toString();
        run(null, "nebula-cert", "ca", "-name", "crossnet bench " + lab.name(), "-duration", "24h",
                "-out-crt", ca + ".crt", "-out-key", ca + ".key");
        for (int i = 1; i <= 2; i++) {
            String host = "h" + i;
            String base = dir.resolve("nebula-" + host).toString();
            run(null, "nebula-cert", "sign", "-ca-crt", ca + ".crt", "-ca-key", ca + ".key", "-name", host,
                    "-ip", NEBULA_NET + i + "/24", "-out-crt", base + ".crt", "-out-key", base + ".key");
            String peer = lab.ip("h" + (3 - i));
            String config = String.join("\n",
                    "pki:", "  ca: " + ca + ".crt", "  cert: " + base + ".crt", "  key: " + base + ".key",
                    "static_host_map:", "  \"" + NEBULA_NET + (3 - i) + "\": [\"" + peer + ":" + NEBULA_PORT + "\"]",
                    "lighthouse:", "  am_lighthouse: false", "  hosts: []",
                    "listen:", "  host: " + lab.ip(host), "  port: " + NEBULA_PORT,
                    "punchy:", "  punch: false",
                    "tun:", "  dev: nb" + device + i, "  mtu: " + MTU,
                    "logging:", "  level: warning",
                    "firewall:",
                    "  outbound:", "    - port: any", "      proto: any", "      host: any",
                    "  inbound:", "    - port: any", "      proto: any", "      host: any", "");
            Path file = Path.of(base + ".yml");
            write(file, config);
            nebula.add(lab.spawn(host, "nebula", "-config", file.toString()));
            awaitLink(host, "nb" + device + i);
        }
        awaitPing(NEBULA_NET + "2");
    }

    /** The datapath processes of wireguard-go (h1, h2). */
    List<Long> wireguardGoPids() {
        return wg.stream().map(Process::pid).toList();
    }

    /** The datapath processes of nebula (h1, h2). */
    List<Long> nebulaPids() {
        return nebula.stream().map(Process::pid).toList();
    }

    /** Stops the tunnels' processes (by pid) and removes wireguard-go's control socket. Idempotent. */
    @Override
    public void close() {
        for (Process p : concat()) {
            p.destroy();
        }
        for (Process p : concat()) {
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        for (int i = 1; i <= 2; i++) {
            try {
                Files.deleteIfExists(Path.of("/var/run/wireguard", "wg" + device + i + ".sock"));
            } catch (IOException e) {
                // best effort: wireguard-go removes it itself when it exits cleanly
            }
        }
    }

    private List<Process> concat() {
        List<Process> all = new ArrayList<>(wg);
        all.addAll(nebula);
        return all;
    }

    private void awaitLink(String host, String device) {
        for (int i = 0; i < 100; i++) {
            if (lab.exec(host, "ip", "link", "show", device).exit() == 0) {
                return;
            }
            sleep(100);
        }
        throw new CrossnetException(device + " did not appear in " + host + " within 10 s");
    }

    private void awaitPing(String ip) {
        for (int i = 0; i < 30; i++) {
            if (lab.exec("h1", "ping", "-c", "1", "-W", "1", ip).exit() == 0) {
                return;
            }
        }
        throw new CrossnetException("h1 cannot ping " + ip + " through the tunnel after 30 tries");
    }

    private void check(String host, String... cmd) {
        Lab.ExecResult r = lab.exec(host, cmd);
        if (r.exit() != 0) {
            throw new CrossnetException(host + ": " + String.join(" ", cmd) + ": " + r.err().strip());
        }
    }

    private void mkdirs() {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CrossnetException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    private Path secret(String name, String content) {
        Path p = dir.resolve(name);
        try {
            Files.deleteIfExists(p);
            Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(p, content + "\n");
        } catch (IOException e) {
            throw new CrossnetException("cannot write " + p + ": " + e.getMessage(), e);
        }
        return p;
    }

    private static void write(Path p, String content) {
        try {
            Files.writeString(p, content);
        } catch (IOException e) {
            throw new CrossnetException("cannot write " + p + ": " + e.getMessage(), e);
        }
    }

    /** Runs a local tool (key generation: no network), feeding {@code stdin}; returns its stdout. */
    private static String run(String stdin, String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.US_ASCII));
                }
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new CrossnetException(String.join(" ", cmd) + " failed (is " + cmd[0] + " installed?)");
            }
            return out;
        } catch (IOException e) {
            throw new CrossnetException("cannot run " + cmd[0] + " (is it installed?): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrossnetException("interrupted running " + cmd[0]);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms); // polling another process's device: nothing to wait on
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrossnetException("interrupted");
        }
    }
}
