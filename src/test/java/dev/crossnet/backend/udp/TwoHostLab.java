package dev.crossnet.backend.udp;

import dev.crossnet.backend.HostContext;
import dev.crossnet.backend.Network;
import dev.crossnet.kernel.linux.LinuxKernel;
import dev.crossnet.kernel.linux.Netns;
import dev.crossnet.metrics.MetricFamilies;
import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.testing.Shell;
import inet.ipaddr.IPAddressString;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Two hosts, each a network namespace ({@code cnuXXXXXXa}, {@code cnuXXXXXXb}) joined by a veth
 * pair on 192.168.250.0/24 (MTU 1500), each running {@link UdpBackend} in this JVM. Host A holds
 * lease 10.5.1.0/24 (its TUN address 10.5.1.0), host B 10.5.2.0/24. Closing removes everything.
 */
final class TwoHostLab implements AutoCloseable {
    static final String CONFIG = "{\"Network\":\"10.5.0.0/16\",\"SubnetLen\":24,\"Backend\":{\"Type\":\"udp\"}}";
    static final String UNDERLAY_A = "192.168.250.1";
    static final String UNDERLAY_B = "192.168.250.2";
    static final String TUN_A = "10.5.1.0";
    static final String TUN_B = "10.5.2.0";
    static final int UNDERLAY_MTU = 1500;

    final String a;
    final String b;
    final PrometheusRegistry metricsA = new PrometheusRegistry();
    final PrometheusRegistry metricsB = new PrometheusRegistry();
    final Lease leaseA = lease("10.5.1.0/24", UNDERLAY_A);
    final Lease leaseB = lease("10.5.2.0/24", UNDERLAY_B);
    Network netA;
    Network netB;

    private TwoHostLab() {
        String sfx = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
        a = "cnu" + sfx + "a";
        b = "cnu" + sfx + "b";
    }

    /** Builds the namespaces only (no backend), so callers may measure the raw underlay. */
    static TwoHostLab underlayOnly() {
        TwoHostLab lab = new TwoHostLab();
        try {
            Shell.ok("ip", "netns", "add", lab.a);
            Shell.ok("ip", "netns", "add", lab.b);
            Shell.ok("ip", "link", "add", lab.a + "v", "type", "veth", "peer", "name", lab.b + "v");
            Shell.ok("ip", "link", "set", lab.a + "v", "netns", lab.a);
            Shell.ok("ip", "link", "set", lab.b + "v", "netns", lab.b);
            lab.underlay(lab.a, lab.a + "v", UNDERLAY_A);
            lab.underlay(lab.b, lab.b + "v", UNDERLAY_B);
            return lab;
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    /** Builds the namespaces and starts a udp backend on each host with the given batch size. */
    static TwoHostLab start(int batch) {
        return start(batch, UdpBackend.Offload.TUN_AND_UDP);
    }

    /** Like {@link #start(int)} with the given offloads. */
    static TwoHostLab start(int batch, UdpBackend.Offload offload) {
        TwoHostLab lab = underlayOnly();
        try {
            NetworkConfig config = NetworkConfig.parse(CONFIG);
            lab.netA = Netns.run(lab.a, () -> new UdpBackend(LinuxKernel.inNamespace(lab.a), lab.metricsA, batch, offload).register(lab.host(lab.a, UNDERLAY_A), config));
            lab.netB = Netns.run(lab.b, () -> new UdpBackend(LinuxKernel.inNamespace(lab.b), lab.metricsB, batch, offload).register(lab.host(lab.b, UNDERLAY_B), config));
            Netns.exec(lab.a, () -> lab.netA.start(lab.leaseA));
            Netns.exec(lab.b, () -> lab.netB.start(lab.leaseB));
            lab.netA.reconcile(List.of(lab.leaseB));
            lab.netB.reconcile(List.of(lab.leaseA));
            return lab;
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    private void underlay(String ns, String dev, String ip) {
        Shell.ok("ip", "-n", ns, "link", "set", "lo", "up");
        Shell.ok("ip", "-n", ns, "addr", "add", ip + "/24", "dev", dev);
        Shell.ok("ip", "-n", ns, "link", "set", dev, "mtu", Integer.toString(UNDERLAY_MTU), "up");
    }

    HostContext host(String ns, String ip) {
        return new HostContext(ns + "v", 0, new IPAddressString(ip).getAddress(), Subnet.parse("192.168.250.0/24"),
                UNDERLAY_MTU, Path.of("/tmp"));
    }

    static Lease lease(String subnet, String publicIp) {
        return new Lease(Subnet.parse(subnet), new LeaseAttrs(publicIp, "udp", null), null, 1);
    }

    /** {@code ip -d link/addr/route} of both hosts, for failure messages. */
    String dump() {
        StringBuilder s = new StringBuilder();
        for (String ns : new String[] {a, b}) {
            s.append("== ").append(ns).append('\n');
            s.append(Shell.run(10, "ip", "-n", ns, "-d", "link").output());
            s.append(Shell.run(10, "ip", "-n", ns, "addr").output());
            s.append(Shell.run(10, "ip", "-n", ns, "route").output());
        }
        s.append("== metrics A\n").append(MetricFamilies.text(metricsA)).append("== metrics B\n").append(MetricFamilies.text(metricsB));
        return s.toString();
    }

    @Override
    public void close() {
        try {
            if (netA != null) {
                netA.close();
            }
            if (netB != null) {
                netB.close();
            }
        } finally {
            Shell.run(10, "ip", "netns", "del", a);
            Shell.run(10, "ip", "netns", "del", b);
            Shell.run(10, "ip", "link", "del", a + "v"); // only if setup failed before moving it
        }
    }
}
