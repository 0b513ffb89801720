package dev.crossnet.cli;

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
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code crossnet plugin serve}: the Docker plugin endpoint on its own, until the agent hosts it. */
@Command(name = "plugin", description = "Docker plugin endpoint.", mixinStandardHelpOptions = true,
        subcommands = PluginCommand.Serve.class)
public final class PluginCommand {

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Serve the crossnet IPAM driver to Docker on a unix socket until stopped (SIGTERM/SIGINT).")
    static final class Serve implements Runnable {
        @Mixin
        StoreOptions store;

        @Option(names = "--socket", paramLabel = "PATH", defaultValue = "/run/docker/plugins/crossnet.sock",
                description = "Unix socket to listen on, mode 0600 (default: ${DEFAULT-VALUE}); its file name is the driver name Docker knows.")
        Path socket;

        @Option(names = "--host-id", paramLabel = "NAME",
                description = "This host's name in the store, recorded with its pools and addresses (default: the hostname).")
        String hostId;

        @Override
        public void run() {
            String host = hostId != null ? hostId : hostname();
            CountDownLatch stopped = new CountDownLatch(1);
            try (Store s = store.open();
                 // Its addresses live as long as it does: agents reap those of a host whose presence is gone.
                 HostPresence presence = HostPresence.start(s, new DockerStore(s, store.prefix()), host, HostPresence.DEFAULT_TTL,
                         Clock.systemUTC())) {
                PluginDispatcher dispatcher = new IpamHandler(new StoreIpam(s, store.prefix(), host)).register(new PluginDispatcher());
                try (PluginServer server = PluginServer.start(socket, dispatcher)) {
                    Thread hook = new Thread(() -> {
                        server.close();
                        stopped.countDown();
                    }, "plugin-shutdown");
                    Runtime.getRuntime().addShutdownHook(hook);
                    System.out.println("crossnet plugin: serving IpamDriver on " + server.socket() + " for host " + host
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
