package dev.crossnet.cluster;

import dev.crossnet.CrossnetException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Checks {@code init} and {@code join} make before touching anything. */
final class HostChecks {
    private HostChecks() {
    }

    /** @throws CrossnetException if {@code dir} already holds a cluster config (a second init or join) */
    static void requireNoCluster(Path dir, String command) {
        ClusterConfig.Layout l = new ClusterConfig.Layout(dir);
        if (Files.exists(l.config()) || Files.exists(l.caKey())) {
            String who = ClusterConfig.load(dir).map(c -> " as host " + c.host() + " (" + c.advertiseAddr() + ")").orElse("");
            throw new CrossnetException(command + ": this host is already part of a cluster" + who + ": " + l.config()
                    + " exists; run crossnet leave first (or give another --config-dir)");
        }
    }

    /** The host's address to advertise: {@code flag} if given (it must be one of this host's), else its only non-loopback IPv4. */
    static InetAddress advertiseAddr(String flag) {
        List<InetAddress> local = localAddresses();
        if (flag != null) {
            InetAddress a = JoinAuthority.ipLiteral(flag);
            if (!local.contains(a)) {
                throw new CrossnetException("--advertise-addr: " + flag + " is not an address of this host (it has " + local + ")");
            }
            return a;
        }
        List<InetAddress> v4 = local.stream().filter(a -> a.getAddress().length == 4 && !a.isLoopbackAddress()).toList();
        if (v4.size() != 1) {
            throw new CrossnetException("--advertise-addr: required, since this host has " + (v4.isEmpty() ? "no" : v4.size())
                    + " non-loopback IPv4 addresses " + v4);
        }
        return v4.get(0);
    }

    static List<InetAddress> localAddresses() {
        List<InetAddress> out = new ArrayList<>();
        try {
            for (NetworkInterface i : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (i.isUp()) {
                    out.addAll(Collections.list(i.getInetAddresses()));
                }
            }
        } catch (SocketException e) {
            throw new CrossnetException("cannot list this host's addresses: " + e.getMessage(), e);
        }
        return out;
    }

    /** The host name: {@code flag} if given, else the machine's, checked as the join endpoint will. */
    static String hostName(String flag) {
        String n = flag;
        if (n == null) {
            try {
                n = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                throw new CrossnetException("--host-name: required, since this host's name cannot be found: " + e.getMessage());
            }
            int dot = n.indexOf('.');
            n = dot > 0 ? n.substring(0, dot) : n;
        }
        if (!JoinAuthority.HOST_NAME.matcher(n).matches()) {
            throw new CrossnetException("--host-name: \"" + n + "\" is not a host name (letters, digits, dots, dashes; at most 63)");
        }
        return n;
    }
}
