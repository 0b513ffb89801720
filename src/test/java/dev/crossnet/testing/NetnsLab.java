package dev.crossnet.testing;

import dev.crossnet.backend.HostContext;
import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddressString;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Simulated hosts made of network namespaces, for one test: an underlay namespace holding a bridge,
 * and hosts joined to it by veth pairs. Every namespace and device is named {@code cnk<4 hex><role>}
 * so that parallel runs (and other people's namespaces) never collide. Register it with
 * {@code @RegisterExtension}: after each test it dumps {@code ip -d link}, {@code ip addr},
 * {@code ip route}, {@code ip neigh} and {@code bridge fdb} of every namespace when the test failed,
 * then deletes them all. Not thread-safe.
 */
public final class NetnsLab implements AfterEachCallback {

    /** The underlay's L2 subnet; host {@code i} is {@code 192.168.77.(i + 1)}. */
    public static final String UNDERLAY = "192.168.77.0/24";

    private final String prefix = "cnk" + HexFormat.of().formatHex(new SecureRandom().generateSeed(2));
    private final List<String> namespaces = new ArrayList<>();
    private String underlay;

    /**
     * A host made by {@link #host}: its namespace and its underlay device.
     *
     * @param number  the lab's host number, 1-based
     * @param ifindex the underlay device's ifindex
     */
    public record Host(int number, String ns, String iface, String publicIp, int ifindex) {
        public HostContext context(Path stateDir) {
            return new HostContext(iface, ifindex, new IPAddressString(publicIp).getAddress(), Subnet.parse(UNDERLAY),
                    1500, stateDir);
        }
    }

    /** The unique prefix of this lab's names, e.g. {@code cnk3fa2}. */
    public String prefix() {
        return prefix;
    }

    /** Creates a namespace named {@code <prefix><role>} and remembers it for clean-up. */
    public String namespace(String role) {
        String ns = prefix + role;
        sh("ip netns add " + ns);
        namespaces.add(ns);
        sh("ip -n " + ns + " link set lo up");
        return ns;
    }

    /** Host {@code i} (1-based): a namespace with {@code <prefix>e<i>} on the underlay bridge, address 192.168.77.(i+1)/24. */
    public Host host(int i) {
        if (underlay == null) {
            underlay = namespace("u");
            sh("ip -n " + underlay + " link add " + prefix + "ub type bridge");
            sh("ip -n " + underlay + " link set " + prefix + "ub up");
        }
        String ns = namespace("h" + i);
        String iface = prefix + "e" + i;
        String peer = prefix + "p" + i;
        String ip = "192.168.77." + (i + 1);
        sh("ip -n " + ns + " link add " + iface + " type veth peer name " + peer + " netns " + underlay);
        sh("ip -n " + underlay + " link set " + peer + " master " + prefix + "ub up");
        sh("ip -n " + ns + " addr add " + ip + "/24 dev " + iface);
        sh("ip -n " + ns + " link set " + iface + " up");
        // Not /sys/class/net: nsenter does not remount /sys for the namespace.
        int index = Integer.parseInt(sh("ip -n " + ns + " -o link show " + iface).split(":")[0].trim());
        return new Host(i, ns, iface, ip, index);
    }

    /**
     * A "container" namespace behind a bridge on {@code host}, like docker0: the bridge
     * {@code <prefix>b<i>} carries {@code subnet.gateway}, the container has {@code subnet.address(2)}
     * with a default route through the bridge, and the container's veth has {@code mtu}.
     *
     * @return the container's namespace
     */
    public String container(Host host, Subnet subnet, int mtu) {
        String c = namespace("c" + host.number());
        String br = prefix + "b" + host.number();
        String inner = prefix + "c" + host.number();
        String outer = prefix + "v" + host.number();
        sh("ip -n " + host.ns() + " link add " + br + " type bridge");
        sh("ip -n " + host.ns() + " addr add " + subnet.gatewayCidr() + " dev " + br);
        sh("ip -n " + host.ns() + " link set " + br + " up");
        sh("ip -n " + host.ns() + " link add " + outer + " mtu " + mtu + " type veth peer name " + inner + " netns " + c);
        sh("ip -n " + host.ns() + " link set " + outer + " master " + br + " up");
        sh("ip -n " + c + " addr add " + subnet.address(2).toCanonicalString() + "/" + subnet.prefixLength() + " dev " + inner);
        sh("ip -n " + c + " link set " + inner + " mtu " + mtu + " up");
        sh("ip -n " + c + " route add default via " + subnet.gateway().toCanonicalString());
        return c;
    }

    /** Whether one DF ping of {@code payload} bytes from namespace {@code ns} to {@code ip} gets a reply. */
    public boolean ping(String ns, String ip, int payload) {
        return run(List.of("nsenter", "--net=/var/run/netns/" + ns, "ping", "-n", "-q", "-c", "1", "-W", "1",
                "-M", "do", "-s", Integer.toString(payload), ip)).exitCode == 0;
    }

    /** Runs a shell command (in {@code ns} when given) and returns stdout; fails the test on a non-zero exit. */
    public static String sh(String command, String... ns) {
        List<String> cmd = new ArrayList<>();
        if (ns.length > 0) {
            cmd.addAll(List.of("nsenter", "--net=/var/run/netns/" + ns[0]));
        }
        cmd.addAll(List.of("sh", "-c", command));
        Result r = run(cmd);
        if (r.exitCode != 0) {
            throw new AssertionError("`" + command + "`" + (ns.length > 0 ? " in " + ns[0] : "") + " exited "
                    + r.exitCode + ": " + r.stderr + r.stdout);
        }
        return r.stdout;
    }

    /** Kernel state of every namespace of this lab, for a failure report. */
    public String dump() {
        StringBuilder b = new StringBuilder();
        for (String ns : namespaces) {
            b.append("===== namespace ").append(ns).append(" =====\n");
            for (String c : List.of("ip -d link", "ip addr", "ip route show table all", "ip neigh", "bridge fdb",
                    "iptables -S", "iptables -t nat -S")) {
                Result r = run(List.of("nsenter", "--net=/var/run/netns/" + ns, "sh", "-c", c));
                b.append("--- ").append(c).append('\n').append(r.stdout).append(r.stderr);
            }
        }
        return b.toString();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (context.getExecutionException().isPresent()) {
            System.out.println("Test " + context.getDisplayName() + " failed; kernel state of its lab:\n" + dump());
        }
        close();
    }

    /** Deletes every namespace made, in reverse order; devices inside go with them. Idempotent. */
    public void close() {
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            run(List.of("ip", "netns", "del", namespaces.get(i)));
        }
        namespaces.clear();
        underlay = null;
    }

    private record Result(int exitCode, String stdout, String stderr) {
    }

    private static Result run(List<String> cmd) {
        try {
            Path err = Files.createTempFile("cnk", ".err");
            try {
                Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
                p.getOutputStream().close();
                String out = read(p.getInputStream());
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError(cmd + " did not finish in 30 s");
                }
                return new Result(p.exitValue(), out, Files.readString(err));
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String read(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        in.transferTo(b);
        return b.toString(StandardCharsets.UTF_8);
    }
}
