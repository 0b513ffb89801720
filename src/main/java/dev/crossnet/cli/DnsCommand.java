package dev.crossnet.cli;

import dev.crossnet.CrossnetException;
import dev.crossnet.dns.DockerDns;
import dev.crossnet.docker.engine.EngineClient;
import dev.crossnet.store.Store;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code crossnet dns serve}: cross-host container names without the agent (which serves them with {@code --docker-plugin}). */
@Command(name = "dns", description = "Cross-host container names for Docker.", mixinStandardHelpOptions = true,
        subcommands = DnsCommand.Serve.class)
public final class DnsCommand {

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = {"Publish the local dockerd's container names (networks with driver or IPAM driver crossnet) to the store,"
                    + " and answer DNS for every host's names, until stopped (SIGTERM/SIGINT).",
                    "One-time host setup: dockerd --dns <--listen address> [--dns <your usual resolver>]."})
    static final class Serve implements Runnable {
        @Mixin
        StoreOptions store;

        @Option(names = "--docker-host", paramLabel = "unix://PATH", defaultValue = "unix:///var/run/docker.sock",
                description = "The local dockerd's API socket (default: ${DEFAULT-VALUE}).")
        String dockerHost;

        @Option(names = "--listen", paramLabel = "IP", required = true,
                description = "This host's address to answer DNS on (udp), reachable from its containers, e.g. its underlay IP. Never 0.0.0.0.")
        String listen;

        @Option(names = "--port", paramLabel = "PORT", defaultValue = "53", description = "DNS port (default: ${DEFAULT-VALUE}).")
        int port;

        @Option(names = "--host-id", paramLabel = "NAME", description = "This host's name in the store (default: the hostname).")
        String hostId;

        @Option(names = "--record-ttl", paramLabel = "DURATION", defaultValue = "15s", converter = DurationConverter.class,
                description = "How long a dead host's names outlive it; records are refreshed every third of it (default: ${DEFAULT-VALUE}).")
        Duration recordTtl;

        @Override
        public void run() {
            InetSocketAddress address = listenAddress();
            if (port < 0 || port > 65535) {
                throw new CrossnetException("--port: " + port + " is out of range 0-65535");
            }
            EngineClient docker;
            try {
                docker = EngineClient.of(dockerHost);
            } catch (IllegalArgumentException e) {
                throw new CrossnetException(e.getMessage());
            }
            String host = hostId != null ? hostId : hostname();
            CountDownLatch stopped = new CountDownLatch(1);
            try (Store s = store.open(); DockerDns dns = DockerDns.start(s, new DockerDns.Options(docker, address, host, store.prefix(), recordTtl))) {
                Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "dns-shutdown"));
                System.out.println("crossnet dns: answering on udp " + dns.address() + " for host " + host + ", names from "
                        + docker.socket() + " (store " + s.endpoint() + ", prefix " + store.prefix() + ")");
                System.out.flush();
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private InetSocketAddress listenAddress() {
            return new InetSocketAddress(ownAddress("--listen", listen), port);
        }

        /**
         * Parses an IP literal (never looked up) that must not be the wildcard.
         *
         * @throws CrossnetException naming {@code flag} otherwise
         */
        static InetAddress ownAddress(String flag, String value) {
            if (!value.matches("[0-9.]+|[0-9a-fA-F:]+")) {
                throw new CrossnetException(flag + ": " + value + " is not an IP address");
            }
            try {
                InetAddress a = InetAddress.getByName(value); // a literal: no lookup
                if (a.isAnyLocalAddress()) {
                    throw new CrossnetException(flag + ": " + value + " would answer on every interface; give this host's own address");
                }
                return a;
            } catch (UnknownHostException e) {
                throw new CrossnetException(flag + ": " + value + " is not an IP address");
            }
        }

        private static String hostname() {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                return "localhost";
            }
        }
    }
}
