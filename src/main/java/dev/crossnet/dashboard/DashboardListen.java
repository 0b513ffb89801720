package dev.crossnet.dashboard;

import dev.crossnet.CrossnetException;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.net.InetSocketAddress;
import java.util.Optional;

/** The value of {@code --dashboard-listen}: {@code IP:PORT}, {@code [IPv6]:PORT} or {@code off}. */
public final class DashboardListen {
    public static final String FLAG = "--dashboard-listen";
    /** Next to the health server's 8471 (flannel's vxlan port 8472 is UDP, but one number, one meaning). */
    public static final int DEFAULT_PORT = 8473;
    public static final String DEFAULT = "127.0.0.1:" + DEFAULT_PORT;
    public static final String OFF = "off";

    private DashboardListen() {
    }

    /**
     * Parses {@code value}. The address must be an IP literal (no name to resolve); {@code 0.0.0.0}
     * or {@code [::]} is taken only because it was written out. The port is 1-65535.
     *
     * @return empty for {@code off}
     * @throws CrossnetException naming {@value #FLAG} and what is wrong
     */
    public static Optional<InetSocketAddress> parse(String value) {
        if (value == null || value.isBlank()) {
            throw bad(value, "give IP:PORT, [IPv6]:PORT or off");
        }
        String v = value.strip();
        if (v.equalsIgnoreCase(OFF)) {
            return Optional.empty();
        }
        int colon = v.lastIndexOf(':');
        if (colon <= 0 || colon == v.length() - 1) {
            throw bad(v, "give IP:PORT, [IPv6]:PORT or off (e.g. " + DEFAULT + ")");
        }
        String host = v.substring(0, colon);
        String portText = v.substring(colon + 1);
        boolean bracketed = host.startsWith("[") && host.endsWith("]");
        if (bracketed) {
            host = host.substring(1, host.length() - 1);
        }
        IPAddress ip = new IPAddressString(host).getAddress();
        if (ip == null || ip.isPrefixed() || host.indexOf('/') >= 0) {
            throw bad(v, "'" + host + "' is not an IP address (names are not resolved)");
        }
        if (ip.isIPv6() && !bracketed) {
            throw bad(v, "write an IPv6 address in brackets, e.g. [::1]:" + DEFAULT_PORT);
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw bad(v, "port '" + portText + "' is not a number");
        }
        if (port < 1 || port > 65535) {
            throw bad(v, "port " + port + " is out of range 1-65535");
        }
        return Optional.of(new InetSocketAddress(ip.toInetAddress(), port));
    }

    /** {@code address} as the flag is written, for messages and URLs. */
    public static String text(InetSocketAddress address) {
        String ip = address.getAddress().getHostAddress();
        return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + address.getPort();
    }

    private static CrossnetException bad(String value, String why) {
        return new CrossnetException(FLAG + ": " + (value == null ? "" : "'" + value + "': ") + why);
    }
}
