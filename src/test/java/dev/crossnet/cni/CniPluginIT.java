package dev.crossnet.cni;

import static dev.crossnet.testing.NetnsLab.sh;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crossnet.agent.HealthServer;
import dev.crossnet.kernel.linux.Netns;
import dev.crossnet.testing.NetnsLab;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin as a runtime calls it ({@link CniHarness}): the launcher {@code target/cni/crossnet}
 * with Debian's bridge and host-local, a "host" namespace where the bridge goes and "container"
 * namespaces, and a subnet.env written here as the agent would.
 */
@Tag("integration")
class CniPluginIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension
    final NetnsLab lab = new NetnsLab();
    @TempDir
    Path dir;
    private String host;
    private CniHarness cni;
    private Path subnetFile;

    @BeforeEach
    void hostWithLease() throws IOException {
        host = lab.namespace("h");
        cni = new CniHarness(host);
        subnetFile = dir.resolve("subnet.env");
        writeLease("10.5.34.1/24", 1400);
    }

    private void writeLease(String subnet, int mtu) throws IOException {
        Files.writeString(subnetFile, "FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=" + subnet + "\nFLANNEL_MTU=" + mtu + "\nFLANNEL_IPMASQ=false\n");
    }

    private String conf() {
        return "{\"cniVersion\":\"1.0.0\",\"name\":\"crossnet\",\"type\":\"crossnet\",\"subnetFile\":\"" + subnetFile
                + "\",\"dataDir\":\"" + dir.resolve("data") + "\",\"ipam\":{\"dataDir\":\"" + dir.resolve("ipam") + "\"}}";
    }

    private String withPrev(String conf, JsonNode prev) throws IOException {
        ObjectNode c = (ObjectNode) JSON.readTree(conf);
        c.set("prevResult", prev);
        return c.toString();
    }

    private static String netns(String ns) {
        return "/var/run/netns/" + ns;
    }

    @Test
    void add_check_del_delAgain() throws Exception {
        String c1 = lab.namespace("c1");
        String c2 = lab.namespace("c2");
        CniHarness.Call add = cni.call("ADD", "ctr1", netns(c1), "eth0", conf());
        assertThat(add.exit()).as(add.toString()).isZero();
        JsonNode r = add.json();
        assertThat(r.get("cniVersion").asText()).isEqualTo("1.0.0");
        String ip1 = r.at("/ips/0/address").asText();
        assertThat(ip1).startsWith("10.5.34.").endsWith("/24");
        assertThat(r.at("/ips/0/gateway").asText()).isEqualTo("10.5.34.1");
        // In the container: the address, the MTU of subnet.env, a route to the whole network.
        assertThat(sh("ip -o addr show dev eth0", c1)).contains("inet " + ip1);
        assertThat(sh("ip -o link show dev eth0", c1)).contains("mtu 1400");
        assertThat(sh("ip route", c1)).contains("10.5.0.0/16 via 10.5.34.1").contains("default via 10.5.34.1");
        // On the host: the bridge holds the lease's gateway; no masquerade (FLANNEL_IPMASQ=false).
        assertThat(sh("ip -o addr show dev crossnetbr0", host)).contains("inet 10.5.34.1/24");
        assertThat(sh("iptables -t nat -S POSTROUTING", host)).doesNotContain("MASQUERADE");

        CniHarness.Call add2 = cni.call("ADD", "ctr2", netns(c2), "eth0", conf());
        assertThat(add2.exit()).as(add2.toString()).isZero();
        String ip2 = add2.json().at("/ips/0/address").asText();
        assertThat(ip2).isNotEqualTo(ip1);
        String bare2 = ip2.substring(0, ip2.indexOf('/'));
        assertThat(lab.ping(c1, bare2, 56)).as("ctr1 pings ctr2 at " + bare2).isTrue();

        CniHarness.Call check = cni.call("CHECK", "ctr1", netns(c1), "eth0", withPrev(conf(), r));
        assertThat(check.exit()).as(check.toString()).isZero();
        assertThat(check.stdout()).isBlank();

        CniHarness.Call del = cni.call("DEL", "ctr1", netns(c1), "eth0", withPrev(conf(), r));
        assertThat(del.exit()).as(del.toString()).isZero();
        assertThat(sh("ip -o link", c1)).doesNotContain("eth0");
        assertThat(files(dir.resolve("ipam"))).noneMatch(f -> f.endsWith(ip1.substring(0, ip1.indexOf('/'))));
        assertThat(files(dir.resolve("data"))).noneMatch(f -> f.contains("ctr1"));

        CniHarness.Call again = cni.call("DEL", "ctr1", netns(c1), "eth0", withPrev(conf(), r));
        assertThat(again.exit()).as(again.toString()).isZero();
        assertThat(lab.ping(c2, "10.5.34.1", 56)).as("ctr2 still reaches its gateway").isTrue();
    }

    @Test
    void del_afterTheNetnsIsGone_succeedsAndReleasesTheAddress() throws Exception {
        String c1 = lab.namespace("c1");
        CniHarness.Call add = cni.call("ADD", "ctr1", netns(c1), "eth0", conf());
        assertThat(add.exit()).as(add.toString()).isZero();
        String ip = add.json().at("/ips/0/address").asText().split("/")[0];
        assertThat(files(dir.resolve("ipam"))).anyMatch(f -> f.endsWith("/" + ip));
        sh("ip netns del " + c1);

        CniHarness.Call del = cni.call("DEL", "ctr1", netns(c1), "eth0", conf());
        assertThat(del.exit()).as(del.toString()).isZero();
        assertThat(files(dir.resolve("ipam"))).noneMatch(f -> f.endsWith("/" + ip));
        assertThat(files(dir.resolve("data"))).isEmpty();
        // Without CNI_NETNS at all, as a runtime may send once the container is gone.
        Map<String, String> vars = new HashMap<>(Map.of("CNI_COMMAND", "DEL", "CNI_CONTAINERID", "ctr1", "CNI_IFNAME", "eth0",
                "CNI_PATH", CniHarness.DEBIAN_CNI_PATH));
        CniHarness.Call noNetns = cni.call(vars, conf());
        assertThat(noNetns.exit()).as(noNetns.toString()).isZero();
    }

    @Test
    void check_reportsDrift() throws Exception {
        String c1 = lab.namespace("c1");
        CniHarness.Call add = cni.call("ADD", "ctr1", netns(c1), "eth0", conf());
        assertThat(add.exit()).as(add.toString()).isZero();
        String check = withPrev(conf(), add.json());
        String ip = add.json().at("/ips/0/address").asText();

        sh("ip addr del " + ip + " dev eth0", c1);
        CniHarness.Call noAddress = cni.call("CHECK", "ctr1", netns(c1), "eth0", check);
        assertThat(noAddress.exit()).isEqualTo(1);
        assertThat(noAddress.json().get("msg").asText()).contains(ip);

        writeLease("10.5.77.1/24", 1400);
        CniHarness.Call moved = cni.call("CHECK", "ctr1", netns(c1), "eth0", check);
        assertThat(moved.exit()).isEqualTo(1);
        assertThat(moved.json().get("code").asInt()).isEqualTo(CniError.DRIFT);
        assertThat(moved.json().get("msg").asText()).contains("10.5.77.0/24").contains("10.5.34.0/24");
    }

    @Test
    void badInput_errorJsonNamingTheField_andNothingLeftBehind() throws Exception {
        String c1 = lab.namespace("c1");
        String good = conf();
        record Case(String conf, Map<String, String> vars, int code, String msg) {
        }
        Map<String, String> ok = Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "ctr1", "CNI_NETNS", netns(c1),
                "CNI_IFNAME", "eth0", "CNI_PATH", CniHarness.DEBIAN_CNI_PATH);
        Map<String, String> noBridge = new HashMap<>(ok);
        noBridge.put("CNI_PATH", dir.toString());
        Map<String, String> noIfname = new HashMap<>(ok);
        noIfname.remove("CNI_IFNAME");
        List<Case> cases = List.of(
                new Case("{not json", ok, CniError.DECODE_FAILURE, "not JSON"),
                new Case(good.replace("\"1.0.0\"", "\"9.9.9\""), ok, CniError.INCOMPATIBLE_VERSION, "cniVersion 9.9.9"),
                new Case(good.replace("\"name\":\"crossnet\",", ""), ok, CniError.INVALID_CONFIG, "name is missing"),
                new Case(good.replace("\"ipam\":{", "\"ipam\":{\"ranges\":[],"), ok, CniError.UNSUPPORTED_FIELD, "ipam.ranges"),
                new Case(good.replace(subnetFile.toString(), dir.resolve("absent.env").toString()), ok,
                        CniError.TRY_AGAIN_LATER, "subnetFile " + dir.resolve("absent.env") + " is missing"),
                new Case(good, noBridge, CniError.INVALID_ENVIRONMENT, "CNI_PATH has no plugin \"bridge\""),
                new Case(good, noIfname, CniError.INVALID_ENVIRONMENT, "CNI_IFNAME is missing"));
        for (Case c : cases) {
            CniHarness.Call call = cni.call(c.vars(), c.conf());
            assertThat(call.exit()).as(call.toString()).isEqualTo(1);
            JsonNode e = call.json();
            assertThat(e.get("code").asInt()).as(call.toString()).isEqualTo(c.code());
            assertThat(e.get("msg").asText()).as(call.toString()).contains(c.msg());
            assertThat(e.has("cniVersion")).isTrue();
        }
        assertThat(sh("ip -o link", host)).doesNotContain("crossnetbr0");
        assertThat(sh("ip -o link", c1)).doesNotContain("eth0");
        assertThat(dir.resolve("ipam")).doesNotExist();
        assertThat(files(dir.resolve("data"))).isEmpty();
    }

    @Test
    void add_interfaceNameTaken_failsAndKeepsTheContainersInterface() throws Exception {
        String c1 = lab.namespace("c1");
        sh("ip link add eth0 type veth peer name eth0p", c1); // no dummy module on every kernel
        CniHarness.Call add = cni.call("ADD", "ctr1", netns(c1), "eth0", conf());
        assertThat(add.exit()).as(add.toString()).isEqualTo(1);
        assertThat(add.json().get("msg").asText()).startsWith("bridge: ").contains("eth0");
        assertThat(sh("ip -o link show dev eth0", c1)).contains("eth0");
        assertThat(files(dir.resolve("ipam"))).noneMatch(f -> f.matches(".*/10\\.5\\.34\\.\\d+$"));
        assertThat(files(dir.resolve("data"))).isEmpty();
    }

    private String conf110(String extra) {
        return conf().replace("\"1.0.0\"", "\"1.1.0\"").replaceFirst("}$", extra + "}");
    }

    @Test
    void gc_110_releasesTheAddressesOfUnlistedAttachmentsOnly() throws Exception {
        String c1 = lab.namespace("c1");
        String c2 = lab.namespace("c2");
        CniHarness.Call add1 = cni.call("ADD", "ctr1", netns(c1), "eth0", conf110(""));
        CniHarness.Call add2 = cni.call("ADD", "ctr2", netns(c2), "eth0", conf110(""));
        assertThat(add1.exit()).as(add1.toString()).isZero();
        assertThat(add2.exit()).as(add2.toString()).isZero();
        assertThat(add1.json().get("cniVersion").asText()).isEqualTo("1.1.0");
        String ip1 = add1.json().at("/ips/0/address").asText().split("/")[0];
        String ip2 = add2.json().at("/ips/0/address").asText().split("/")[0];
        // An address host-local holds for a container nobody knows of any more, and no record of ours.
        Files.writeString(dir.resolve("ipam/crossnet/10.5.34.200"), "ghost\r\neth0");

        CniHarness.Call gc = cni.call(Map.of("CNI_COMMAND", "GC", "CNI_PATH", CniHarness.DEBIAN_CNI_PATH),
                conf110(",\"cni.dev/valid-attachments\":[{\"containerID\":\"ctr1\",\"ifname\":\"eth0\"}]"));
        assertThat(gc.exit()).as(gc.toString()).isZero();
        assertThat(gc.stdout()).isBlank();
        assertThat(files(dir.resolve("ipam"))).anyMatch(f -> f.endsWith("/" + ip1))
                .noneMatch(f -> f.endsWith("/" + ip2)).noneMatch(f -> f.endsWith("/10.5.34.200"));
        assertThat(files(dir.resolve("data"))).anyMatch(f -> f.endsWith("/ctr1-eth0")).noneMatch(f -> f.contains("ctr2"));
        CniHarness.Call check = cni.call("CHECK", "ctr1", netns(c1), "eth0", withPrev(conf110(""), add1.json()));
        assertThat(check.exit()).as("the kept attachment is intact: " + check).isZero();
    }

    @Test
    void status_110_readyOnlyWithSubnetEnvAndAReadyAgent() throws Exception {
        sh("ip link set lo up", host);
        AtomicReference<String> notReady = new AtomicReference<>("starting: no lease yet");
        HealthServer agent = Netns.run(host, () -> new HealthServer("127.0.0.1", 0, () -> true, notReady::get, new PrometheusRegistry()));
        String conf = conf110(",\"agentHealthz\":\"127.0.0.1:" + agent.port() + "\"");
        Map<String, String> vars = Map.of("CNI_COMMAND", "STATUS", "CNI_PATH", CniHarness.DEBIAN_CNI_PATH);
        try {
            CniHarness.Call noLease = cni.call(vars, conf);
            assertThat(noLease.exit()).as(noLease.toString()).isEqualTo(1);
            assertThat(noLease.json().get("code").asInt()).isEqualTo(CniError.NOT_AVAILABLE);
            assertThat(noLease.json().get("msg").asText()).contains("not ready: starting: no lease yet");

            notReady.set(null);
            CniHarness.Call ready = cni.call(vars, conf);
            assertThat(ready.exit()).as(ready.toString()).isZero();
            assertThat(ready.stdout()).isBlank();

            Files.delete(subnetFile);
            CniHarness.Call noSubnetEnv = cni.call(vars, conf);
            assertThat(noSubnetEnv.json().get("code").asInt()).as(noSubnetEnv.toString()).isEqualTo(CniError.NOT_AVAILABLE);
            assertThat(noSubnetEnv.json().get("msg").asText()).contains("subnetFile " + subnetFile + " is missing");
            writeLease("10.5.34.1/24", 1400);
        } finally {
            agent.close();
        }
        CniHarness.Call stopped = cni.call(vars, conf);
        assertThat(stopped.json().get("code").asInt()).as(stopped.toString()).isEqualTo(CniError.NOT_AVAILABLE);
        assertThat(stopped.json().get("msg").asText()).contains("does not answer");
        assertThat(sh("ip -o link", host)).doesNotContain("crossnetbr0");
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
