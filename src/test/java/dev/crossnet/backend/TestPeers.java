package dev.crossnet.backend;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crossnet.lease.LeaseRegistry;
import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddressString;
import java.nio.file.Path;

/** Leases, configs and host contexts for backend unit tests. */
public final class TestPeers {

    private TestPeers() {
    }

    public static Lease vxlanPeer(String subnet, String publicIp, String mac) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("VNI", 1);
        data.put("VtepMAC", mac);
        return new Lease(Subnet.parse(subnet), new LeaseAttrs(publicIp, "vxlan", data), null, 1);
    }

    public static Lease hostGwPeer(String subnet, String publicIp) {
        return new Lease(Subnet.parse(subnet), new LeaseAttrs(publicIp, "host-gw", null), null, 1);
    }

    /**
     * flanneld v0.20.2's udp lease, byte for byte as it writes it: PublicIP only, no BackendType, no
     * BackendData.
     */
    public static final String FLANNELD_UDP_LEASE = "{\"PublicIP\":\"10.203.0.1\",\"PublicIPv6\":null}";

    /** A lease whose stored value is {@code json}, decoded as the agent decodes what it reads from the store. */
    public static Lease stored(String subnet, String json) {
        try {
            return new Lease(Subnet.parse(subnet), LeaseRegistry.decode(json), null, 1);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    public static NetworkConfig config(String backendJson) {
        return NetworkConfig.parse("{\"Network\":\"10.5.0.0/16\",\"Backend\":" + backendJson + "}");
    }

    /** Host 192.168.9.2 on eth0 (192.168.9.0/24, MTU 1500). */
    public static HostContext host(Path stateDir) {
        return new HostContext("eth0", 2, new IPAddressString("192.168.9.2").getAddress(),
                Subnet.parse("192.168.9.0/24"), 1500, stateDir);
    }
}
