package dev.crossnet.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crossnet.CrossnetException;
import dev.crossnet.lease.LeaseRegistry;
import dev.crossnet.lease.SubnetManager;
import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.Subnet;
import dev.crossnet.store.Store;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code crossnet lease …}: subnet leases, for operators and scripts. */
@Command(name = "lease", mixinStandardHelpOptions = true, description = "Acquire, list, release and reserve subnet leases.",
        subcommands = {LeaseCommand.Acquire.class, LeaseCommand.Ls.class, LeaseCommand.Release.class, LeaseCommand.Reserve.class})
final class LeaseCommand {

    static String publicIp(String option, String text) {
        IPAddress a = new IPAddressString(text).getAddress();
        if (a == null || !a.isIPv4() || a.isPrefixed()) {
            throw new CrossnetException(option + ": \"" + text + "\" is not an IPv4 address");
        }
        return a.toCanonicalString();
    }

    static Subnet subnet(String text) {
        try {
            return Subnet.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CrossnetException("SUBNET: " + e.getMessage());
        }
    }

    @Command(name = "acquire", mixinStandardHelpOptions = true,
            description = "Lease a subnet for a host and print it (the same host gets the same subnet back).")
    static final class Acquire implements Runnable {
        @Mixin
        StoreOptions storeOptions;

        @Option(names = "--public-ip", required = true, paramLabel = "IP", description = "The host's PublicIP.")
        String publicIp;

        @Option(names = "--backend-type", paramLabel = "TYPE", description = "BackendType to record (default: the config's).")
        String backendType;

        @Option(names = "--subnet-lease-ttl", paramLabel = "DURATION", defaultValue = "24h", converter = DurationConverter.class,
                description = "Lease time to live (default: ${DEFAULT-VALUE}).")
        Duration ttl;

        @Override
        public void run() {
            String ip = publicIp("--public-ip", publicIp);
            try (Store store = storeOptions.open()) {
                LeaseRegistry reg = new LeaseRegistry(store, storeOptions.prefix());
                String type = backendType != null ? backendType : reg.config().backend().type().wire();
                Lease l = new SubnetManager(reg, new SecureRandom()).acquire(new LeaseAttrs(ip, type, null), ttl, null);
                System.out.println(l.subnet());
            }
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List leases.")
    static final class Ls implements Runnable {
        @Mixin
        StoreOptions storeOptions;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public void run() {
            try (Store store = storeOptions.open()) {
                List<Lease> leases = new LeaseRegistry(store, storeOptions.prefix()).leases().leases();
                if (json) {
                    printJson(leases);
                    return;
                }
                System.out.printf("%-20s %-16s %-8s %s%n", "SUBNET", "PUBLIC-IP", "BACKEND", "EXPIRES");
                for (Lease l : leases) {
                    System.out.printf("%-20s %-16s %-8s %s%n", l.subnet(), l.attrs().publicIp(),
                            l.attrs().backendType() == null ? "-" : l.attrs().backendType(),
                            l.isPermanent() ? "never (reserved)" : l.expiration().toString());
                }
            }
        }

        private static void printJson(List<Lease> leases) {
            ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ArrayNode arr = m.createArrayNode();
            for (Lease l : leases) {
                ObjectNode o = arr.addObject();
                o.put("subnet", l.subnet().toString());
                o.put("publicIP", l.attrs().publicIp());
                o.put("backendType", l.attrs().backendType());
                o.set("backendData", l.attrs().backendData());
                o.put("expiration", l.isPermanent() ? null : l.expiration().toString());
            }
            try {
                System.out.println(m.writeValueAsString(arr));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true, description = "Delete a lease.")
    static final class Release implements Runnable {
        @Mixin
        StoreOptions storeOptions;

        @Parameters(paramLabel = "SUBNET", description = "e.g. 10.5.34.0/24")
        String subnet;

        @Override
        public void run() {
            Subnet s = subnet(subnet);
            try (Store store = storeOptions.open()) {
                new SubnetManager(new LeaseRegistry(store, storeOptions.prefix()), new SecureRandom()).release(s);
                System.out.println("released " + s);
            }
        }
    }

    @Command(name = "reserve", mixinStandardHelpOptions = true,
            description = "Reserve a subnet for a host permanently (a lease with no TTL).")
    static final class Reserve implements Runnable {
        @Mixin
        StoreOptions storeOptions;

        @Parameters(paramLabel = "SUBNET", description = "e.g. 10.5.34.0/24")
        String subnet;

        @Option(names = "--public-ip", required = true, paramLabel = "IP", description = "The host's PublicIP.")
        String publicIp;

        @Override
        public void run() {
            Subnet s = subnet(subnet);
            String ip = publicIp("--public-ip", publicIp);
            try (Store store = storeOptions.open()) {
                Lease l = new SubnetManager(new LeaseRegistry(store, storeOptions.prefix()), new SecureRandom()).reserve(s, ip);
                System.out.println("reserved " + l.subnet() + " for " + ip);
            }
        }
    }

    private LeaseCommand() {
    }
}
