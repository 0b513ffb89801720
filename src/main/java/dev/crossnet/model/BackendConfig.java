package dev.crossnet.model;

import java.util.Locale;

/**
 * The {@code Backend} object of the network config, with flannel's field names.
 *
 * @param type          vxlan | host-gw | udp
 * @param vni           vxlan network identifier (vxlan only), default 1
 * @param port          UDP port: vxlan default 8472 (as flannel; 4789 on request), udp default 8285
 * @param directRouting vxlan: use a plain route to peers on the same L2 subnet
 * @param mtu           explicit container MTU, or 0 to derive it from the underlay
 * @param encrypt       udp only: seal every packet between hosts ({@code dev.crossnet.seal}); never sent in clear
 * @param rekeyAfter    encrypted only: seconds after which the initiator of a session starts a new
 *                      handshake ({@code Backend.RekeyAfter}), or 0 for the default (120)
 */
public record BackendConfig(Type type, int vni, int port, boolean directRouting, int mtu, boolean encrypt, int rekeyAfter) {

    /** A config without encryption. */
    public BackendConfig(Type type, int vni, int port, boolean directRouting, int mtu) {
        this(type, vni, port, directRouting, mtu, false, 0);
    }

    /** A config with the default rekey interval. */
    public BackendConfig(Type type, int vni, int port, boolean directRouting, int mtu, boolean encrypt) {
        this(type, vni, port, directRouting, mtu, encrypt, 0);
    }

    public static final int DEFAULT_VXLAN_PORT = 8472;
    public static final int DEFAULT_UDP_PORT = 8285;

    public enum Type {
        VXLAN("vxlan"), HOST_GW("host-gw"), UDP("udp");

        private final String wire;

        Type(String wire) {
            this.wire = wire;
        }

        /** The name used in JSON, leases and on the command line. */
        public String wire() {
            return wire;
        }

        public static Type fromWire(String s) {
            String v = s.toLowerCase(Locale.ROOT);
            for (Type t : values()) {
                if (t.wire.equals(v)) {
                    return t;
                }
            }
            throw new ConfigException("Backend.Type",
                    "unknown backend type \"" + s + "\" (want one of: vxlan, host-gw, udp)");
        }

        @Override
        public String toString() {
            return wire;
        }
    }

    public static BackendConfig defaults(Type type) {
        int port = switch (type) {
            case VXLAN -> DEFAULT_VXLAN_PORT;
            case UDP -> DEFAULT_UDP_PORT;
            case HOST_GW -> 0;
        };
        return new BackendConfig(type, 1, port, false, 0);
    }
}
