package dev.crossnet.docker;

import dev.crossnet.backend.HostContext;
import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;

/** This host's record ({@link HostContext}) as the Docker tests need it: a name, an underlay address, device and MTU. */
public final class TestHosts {

    private TestHosts() {
    }

    /** A host whose underlay subnet is {@code underlaySubnet}. */
    public static HostContext host(String name, IPAddress underlayIp, String dev, int mtu, Subnet underlaySubnet) {
        return new HostContext(dev, 0, underlayIp, underlaySubnet, mtu, null, name);
    }

    /** A host whose underlay subnet is not known: only its own address is kept out of Docker networks. */
    public static HostContext host(String name, IPAddress underlayIp, String dev, int mtu) {
        return host(name, underlayIp, dev, mtu, Subnet.of(underlayIp, underlayIp.getBitCount()));
    }
}
