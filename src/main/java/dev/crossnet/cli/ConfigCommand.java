package dev.crossnet.cli;

import dev.crossnet.CrossnetException;
import dev.crossnet.lease.LeaseRegistry;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.store.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code crossnet config set|get}: the flannel-compatible network config in the store. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Set or show the network config.",
        subcommands = {ConfigCommand.Set.class, ConfigCommand.Get.class})
final class ConfigCommand {

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Validate a flannel-style JSON config (FILE, or - for stdin) and store it at <prefix>/config.")
    static final class Set implements Runnable {
        @Mixin
        StoreOptions storeOptions;

        @Parameters(paramLabel = "FILE|-", description = "JSON such as {\"Network\":\"10.5.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}")
        String file;

        @Override
        public void run() {
            String json = read(file);
            NetworkConfig cfg = NetworkConfig.parse(json); // validate before touching the store
            try (Store store = storeOptions.open()) {
                LeaseRegistry reg = new LeaseRegistry(store, storeOptions.prefix());
                reg.setConfig(cfg);
                System.out.printf("network config set at %s in %s: Network %s, SubnetLen %d, %s backend%n",
                        reg.configKey(), store.endpoint(), cfg.network(), cfg.subnetLen(), cfg.backend().type());
            }
        }

        private static String read(String file) {
            try {
                if ("-".equals(file)) {
                    return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
                }
                return Files.readString(Path.of(file));
            } catch (IOException e) {
                throw new CrossnetException("FILE: cannot read " + file + ": " + e.getMessage());
            }
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Print the stored network config.")
    static final class Get implements Runnable {
        @Mixin
        StoreOptions storeOptions;

        @Override
        public void run() {
            try (Store store = storeOptions.open()) {
                LeaseRegistry reg = new LeaseRegistry(store, storeOptions.prefix());
                String raw = reg.rawConfig().orElseThrow(() -> new CrossnetException(
                        "no network config at " + reg.configKey() + " in " + store.endpoint()
                                + "; set one with: crossnet config set FILE"));
                System.out.println(raw.strip());
            }
        }
    }
}
