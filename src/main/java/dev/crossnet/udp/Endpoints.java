package dev.crossnet.udp;

import inet.ipaddr.IPAddress;

/**
 * IPv4 UDP endpoints packed into a {@code long} so that batches carry them without allocation:
 * bits 16..47 hold the address (a.b.c.d as {@code a<<24|b<<16|c<<8|d}), bits 0..15 the port.
 */
public final class Endpoints {

    private Endpoints() {
    }

    public static long of(int ipv4, int port) {
        return (Integer.toUnsignedLong(ipv4) << 16) | (port & 0xffff);
    }

    public static long of(IPAddress ipv4, int port) {
        return of(ipv4(ipv4), port);
    }

    public static int ip(long endpoint) {
        return (int) (endpoint >>> 16);
    }

    public static int port(long endpoint) {
        return (int) (endpoint & 0xffff);
    }

    /** The IPv4 address as an int, a.b.c.d as {@code a<<24|b<<16|c<<8|d}. */
    public static int ipv4(IPAddress a) {
        if (!a.isIPv4()) {
            throw new IllegalArgumentException("not an IPv4 address: " + a);
        }
        return a.getValue().intValue();
    }

    public static String ipToString(int ip) {
        return (ip >>> 24) + "." + ((ip >>> 16) & 0xff) + "." + ((ip >>> 8) & 0xff) + "." + (ip & 0xff);
    }

    public static String toString(long endpoint) {
        return ipToString(ip(endpoint)) + ":" + port(endpoint);
    }
}
