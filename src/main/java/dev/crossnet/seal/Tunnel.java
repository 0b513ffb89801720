package dev.crossnet.seal;

import dev.crossnet.model.Subnet;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * The sealed link to one peer host: its verified identity, the datapath's endpoint for it, and
 * up to three sessions. {@code current} sends; {@code previous} (the keys it replaced) is still
 * accepted through the changeover; {@code next} is a session we answered but the peer has not yet
 * used, promoted to {@code current} by its first packet. Thread-safe: the packet path reads the
 * volatile {@code current}; slot changes hold the tunnel's monitor.
 */
public final class Tunnel {
    private final byte[] certificate;
    private final long endpoint;
    private volatile PeerIdentity identity;
    private final int[] v4Networks;
    private final int[] v4Masks;

    volatile Session current;
    Session previous;
    Session next;

    /** The initiation in flight, if any (guarded by this). */
    HandshakeState pending;
    int pendingIndex;
    long lastInitiationNanos;
    boolean initiatedOnce;
    /** The newest initiation timestamp accepted from this peer (guarded by this). */
    long lastPeerTimestamp = Long.MIN_VALUE;

    Tunnel(byte[] certificate, PeerIdentity identity, long endpoint) {
        this.certificate = certificate.clone();
        this.identity = identity;
        this.endpoint = endpoint;
        List<Subnet> v4 = identity.subnets().stream().filter(Subnet::isIpv4).toList();
        v4Networks = new int[v4.size()];
        v4Masks = new int[v4.size()];
        for (int i = 0; i < v4.size(); i++) {
            int prefix = v4.get(i).prefixLength();
            v4Masks[i] = prefix == 0 ? 0 : -1 << (32 - prefix);
            v4Networks[i] = toInt(v4.get(i).network().getBytes()) & v4Masks[i];
        }
    }

    public PeerIdentity identity() {
        return identity;
    }

    /** The datapath's opaque name for where this peer's datagrams go (e.g. an encoded IP:port). */
    public long endpoint() {
        return endpoint;
    }

    byte[] certificate() {
        return certificate.clone();
    }

    /** True if a usable session exists (one may still need a rekey soon). */
    public boolean hasSession() {
        return current != null;
    }

    /** True if the IPv4 address {@code source} lies in a subnet of the peer's certificate. No allocation. */
    boolean allowsSource(int source) {
        for (int i = 0; i < v4Networks.length; i++) {
            if ((source & v4Masks[i]) == v4Networks[i]) {
                return true;
            }
        }
        return false;
    }

    /** Installs a session we initiated: it sends at once; the old current becomes previous. Returns the retired one. */
    synchronized Session installInitiated(Session s) {
        Session retired = previous;
        previous = current;
        current = s;
        return retired;
    }

    /** Installs a session we answered as {@code next}; returns the one it displaced. */
    synchronized Session installAnswered(Session s) {
        Session displaced = next;
        next = s;
        if (current == null) {
            // Nothing to send with yet: use it at once; the peer holds the keys as soon as it reads our response.
            current = s;
            next = null;
        }
        return displaced;
    }

    /** The peer used our {@code next} session: it becomes current. Returns the retired session, or null. */
    synchronized Session confirm(Session s) {
        s.confirmed = true;
        if (next != s) {
            return null;
        }
        Session retired = previous;
        previous = current;
        current = s;
        next = null;
        return retired;
    }

    /** Whether {@code s} is one of the three slots. */
    synchronized boolean holds(Session s) {
        return s == current || s == previous || s == next;
    }

    /** Drops every session (peer removed or its certificate expired); returns them for unindexing. */
    synchronized Session[] clear() {
        Session[] all = {current, previous, next};
        current = null;
        previous = null;
        next = null;
        pending = null;
        return all;
    }

    private static int toInt(byte[] a) {
        return (a[0] & 0xff) << 24 | (a[1] & 0xff) << 16 | (a[2] & 0xff) << 8 | (a[3] & 0xff);
    }

    static int ipv4(String dotted) {
        try {
            InetAddress a = InetAddress.getByName(dotted);
            if (!(a instanceof Inet4Address)) {
                throw new IllegalArgumentException(dotted);
            }
            return toInt(a.getAddress());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(dotted, e);
        }
    }

    @Override
    public String toString() {
        return "Tunnel[" + identity.hostName() + "]";
    }
}
