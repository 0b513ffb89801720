package dev.crossnet.bench;

import dev.crossnet.backend.Network;
import dev.crossnet.backend.vxlan.VxlanBackend;
import dev.crossnet.kernel.linux.LinuxKernel;
import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.testing.NetnsLab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How long the vxlan backend takes to program, re-check and remove 1000 peers (3000 kernel
 * entries: route, neighbour, FDB entry each) in one namespace: the timing that
 * {@code VxlanBackendIT.reconcile_thousandPeers…} used to assert. Not a test: it prints, never
 * asserts. Needs root (one namespace pair, removed at the end).
 * <pre>
 *   mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 *   java -cp target/classes:target/test-classes:$(cat target/cp.txt) dev.crossnet.bench.VxlanReconcileBenchmark [ROUNDS]
 * </pre>
 * The first program is cold (class loading, JIT); then {@code ROUNDS} (default 5) warm rounds of
 * remove-all, program-all, no-op, as a long-running agent would meet them.
 */
public final class VxlanReconcileBenchmark {

    private VxlanReconcileBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        System.out.println("vxlan reconcile, 1000 peers (3000 kernel entries), load average before: " + DataPlaneBench.loadAverage());
        NetworkConfig wide = NetworkConfig.parse("{\"Network\":\"10.0.0.0/8\",\"Backend\":{\"Type\":\"vxlan\"}}");
        Path state = Files.createTempDirectory("crossnet-reconcile-bench");
        NetnsLab lab = new NetnsLab();
        try {
            NetnsLab.Host h = lab.host(1);
            Network n = new VxlanBackend(LinuxKernel.inNamespace(h.ns())).register(h.context(state), wide);
            n.start(new Lease(Subnet.parse("10.0.1.0/24"), new LeaseAttrs(h.publicIp(), "vxlan", n.backendData()), null, 1));
            List<Lease> peers = peers();
            String counts = "ip route show proto 152 | wc -l; ip neigh show dev crossnet.1 nud permanent | wc -l;"
                    + " bridge fdb show dev crossnet.1 | grep -c permanent || true";

            double cold = seconds(() -> n.reconcile(peers));
            System.out.printf("program (cold JVM): %.3f s; kernel holds routes/neighbours/FDB: %s%n", cold,
                    String.join("/", NetnsLab.sh(counts, h.ns()).split("\\s+")));
            double[] program = new double[rounds];
            double[] noop = new double[rounds];
            double[] remove = new double[rounds];
            for (int i = 0; i < rounds; i++) {
                remove[i] = seconds(() -> n.reconcile(List.of()));
                program[i] = seconds(() -> n.reconcile(peers));
                noop[i] = seconds(() -> n.reconcile(peers));
            }
            System.out.printf("kernel holds routes/neighbours/FDB after the last round: %s%n",
                    String.join("/", NetnsLab.sh(counts, h.ns()).split("\\s+")));
            System.out.println("program (warm): " + Stats.of(program).format("s"));
            System.out.println("no-op (warm):   " + Stats.of(noop).format("s"));
            System.out.println("remove all:     " + Stats.of(remove).format("s"));
            System.out.println("load average after: " + DataPlaneBench.loadAverage());
        } finally {
            lab.close();
        }
    }

    /** 1000 vxlan peers, as in VxlanBackendIT: 10.x.y.0/24 subnets, 172.16.a.b public IPs, distinct VTEP MACs. */
    private static List<Lease> peers() {
        List<Lease> peers = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            int third = 2 + i;
            Subnet sn = Subnet.parse("10." + (third >> 8) + "." + (third & 0xff) + ".0/24");
            String ip = "172.16." + (i / 250) + "." + (1 + i % 250);
            var data = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                    .put("VNI", 1).put("VtepMAC", String.format("0a:00:00:00:%02x:%02x", i >> 8, i & 0xff));
            peers.add(new Lease(sn, new LeaseAttrs(ip, "vxlan", data), null, 1));
        }
        return peers;
    }

    private static double seconds(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e9;
    }
}
