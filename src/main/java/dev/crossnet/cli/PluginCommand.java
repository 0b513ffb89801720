package dev.crossnet.cli;

import dev.crossnet.CrossnetException;
import dev.crossnet.docker.AuthzHandler;
import dev.crossnet.docker.DockerStore;
import dev.crossnet.docker.HostPresence;
import dev.crossnet.docker.IpamHandler;
import dev.crossnet.docker.api.PluginDispatcher;
import dev.crossnet.docker.plugin.PluginServer;
import dev.crossnet.ipam.StoreIpam;
import dev.crossnet.store.Store;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code crossnet plugin serve}: Docker plugins on their own socket, without the agent. The
 * authorization plugin is meant to run this way ({@code --plugins authz}, socket
 * {@code crossnet-authz.sock}, dockerd {@code --authorization-plugin=crossnet-authz}): it reads only
 * the store, so dockerd keeps working while the agent is stopped or restarting.
 */
@Command(name = "plugin", description = "Docker plugin endpoint.", mixinStandardHelpOptions = true,
        subcommands = PluginCommand.Serve.class)
public final class PluginCommand {

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Serve crossnet's IPAM driver and/or authorization plugin to Docker on a unix socket until stopped"
                    + " (SIGTERM/SIGINT).")
    static final class Serve implements Runnable {
        @Mixin
        StoreOptions store;

        @Option(names = "--socket", paramLabel = "PATH", defaultValue = "/run/docker/plugins/crossnet.sock",
                description = "Unix socket to listen on, mode 0600 (default: ${DEFAULT-VALUE}); its file name is the driver name Docker knows.")
        Path socket;

        @Option(names = "--plugins", paramLabel = "LIST", split = ",", defaultValue = "ipam",
                description = "Which plugins to serve: ipam, authz, or both (default: ${DEFAULT-VALUE}). authz refuses only"
                        + " docker network rm of a crossnet network with containers on other hosts; serve it on its own socket"
                        + " (e.g. /run/docker/plugins/crossnet-authz.sock, dockerd --authorization-plugin=crossnet-authz) so"
                        + " that dockerd does not depend on the agent.")
        List<String> plugins;

        @Option(names = "--host-id", paramLabel = "NAME",
                description = "This host's name in the store, recorded with its pools and addresses (default: the hostname).")
        String hostId;

        @Override
        public void run() {
            String host = hostId != null ? hostId : hostname();
            for (String p : plugins) {
                if (!p.equals("ipam") && !p.equals("authz")) {
                    throw new CrossnetException("--plugins: unknown plugin '" + p + "'; choose from ipam, authz");
                }
            }
            CountDownLatch stopped = new CountDownLatch(1);
            try (Store s = store.open();
                 // The addresses it hands out live as long as it does: agents reap those of a host whose presence is gone.
                 HostPresence presence = plugins.contains("ipam") ? HostPresence.start(s, new DockerStore(s, store.prefix()), host,
                         HostPresence.DEFAULT_TTL, Clock.systemUTC()) : null) {
                PluginDispatcher dispatcher = new PluginDispatcher();
                if (plugins.contains("ipam")) {
                    new IpamHandler(new StoreIpam(s, store.prefix(), host)).register(dispatcher);
                }
                if (plugins.contains("authz")) {
                    new AuthzHandler(new DockerStore(s, store.prefix()), host).register(dispatcher);
                }
                try (PluginServer server = PluginServer.start(socket, dispatcher)) {
                    Thread hook = new Thread(() -> {
                        server.close();
                        stopped.countDown();
                    }, "plugin-shutdown");
                    Runtime.getRuntime().addShutdownHook(hook);
                    System.out.println("crossnet plugin: serving " + String.join(", ", plugins) + " on " + server.socket() + " for host " + host
                            + " (store " + s.endpoint() + ", prefix " + store.prefix() + ")");
                    System.out.flush();
                    stopped.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
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
