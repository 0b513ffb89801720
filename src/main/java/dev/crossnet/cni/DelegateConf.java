package dev.crossnet.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crossnet.agent.SubnetEnv;

/**
 * The configuration crossnet hands to the {@code bridge} plugin, built from the plugin's own
 * config and this host's {@code subnet.env}, as flannel's CNI plugin does. For
 * {@code FLANNEL_NETWORK=10.5.0.0/16}, {@code FLANNEL_SUBNET=10.5.34.1/24}, {@code FLANNEL_MTU=1450}:
 * <pre>
 * {"cniVersion": "1.0.0", "name": "crossnet", "type": "bridge", "bridge": "crossnetbr0",
 *  "isGateway": true, "isDefaultGateway": true, "ipMasq": false, "mtu": 1450,
 *  "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.5.34.0/24", "gateway": "10.5.34.1"}]],
 *           "routes": [{"dst": "10.5.0.0/16", "gw": "10.5.34.1"}]}}
 * </pre>
 * The bridge holds the lease's first address, the gateway of its containers, which get a route to
 * the whole crossnet network (and a default route) through it. The bridge never masquerades: with
 * {@code FLANNEL_IPMASQ=true} the agent masquerades what leaves the network (its
 * {@code --ip-masq} rules), and traffic between containers keeps its addresses on every host.
 * flannel's plugin instead sets the bridge's {@code ipMasq} to the opposite of
 * {@code FLANNEL_IPMASQ}, which also hides containers behind their host on the way to other hosts;
 * {@code "delegate": {"ipMasq": true}} asks for that. Pure.
 */
public final class DelegateConf {
    /**
     * The host bridge of crossnet's CNI containers (flannel's is {@code cni0}). Not
     * {@code crossnet0}: that is the udp backend's TUN device ({@code UdpBackend.DEVICE}).
     */
    public static final String DEFAULT_BRIDGE = "crossnetbr0";

    private DelegateConf() {
    }

    /** The bridge plugin's configuration for {@code conf} on a host whose lease is {@code lease}. */
    public static ObjectNode build(NetConf conf, SubnetEnv lease) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode d = f.objectNode();
        d.put("cniVersion", conf.delegateVersion());
        d.put("name", conf.name());
        d.put("type", "bridge");
        d.put("bridge", DEFAULT_BRIDGE);
        d.put("isGateway", true);
        d.put("isDefaultGateway", true);
        d.put("ipMasq", false);
        d.setAll(conf.delegate());
        d.put("mtu", lease.mtu());

        ObjectNode ipam = f.objectNode();
        ipam.put("type", "host-local");
        ipam.setAll(conf.ipam());
        ObjectNode range = f.objectNode();
        range.put("subnet", lease.subnet().toString());
        range.put("gateway", lease.gateway().toCanonicalString());
        ipam.set("ranges", f.arrayNode().add(f.arrayNode().add(range)));
        ArrayNode routes = f.arrayNode();
        JsonNode extra = conf.ipam().get("routes");
        if (extra != null && extra.isArray()) {
            routes.addAll((ArrayNode) extra);
        }
        // With its gateway spelled out: the bridge plugin's CHECK (1.1.1) fails a route whose gw it had to fill in.
        routes.add(f.objectNode().put("dst", lease.network().toString()).put("gw", lease.gateway().toCanonicalString()));
        ipam.set("routes", routes);
        d.set("ipam", ipam);
        return d;
    }

    /** The lease subnet a delegate config was built for ({@code ipam.ranges[0][0].subnet}), or "" if it has none. */
    public static String subnetOf(JsonNode delegate) {
        return delegate.path("ipam").path("ranges").path(0).path(0).path("subnet").asText("");
    }
}
