package dev.crossnet.lab;

import dev.crossnet.CrossnetException;
import dev.crossnet.SelfCommand;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.store.Store;
import dev.crossnet.store.StoreSpec;
import dev.crossnet.store.Stores;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Puts the lab's network config at {@code <prefix>/config}, through the store API. Blocking. */
public final class LabConfig {
    /**
     * The per-attempt limit of the child processes' store calls: generous (not the CLI's 5 s), so
     * that a lab on a busy machine, whose etcd answers slowly, still comes up; both attempts fit
     * in the 60 s the child is given.
     */
    static final String CHILD_STORE_TIMEOUT = "20s";

    private LabConfig() {
    }

    /** Validates {@code json} and writes it from this process. */
    static void write(String storeSpec, String prefix, String json) {
        write(StoreSpec.parse("--store", storeSpec, Duration.ofSeconds(5)), prefix, json);
    }

    /**
     * Validates {@code json} and puts it at {@code <prefix>/config}. Public for the hidden
     * {@code crossnet lab put-config}, which {@link #writeFromNs} runs.
     */
    public static void write(StoreSpec spec, String prefix, String json) {
        NetworkConfig.parse(json);
        try (Store store = Stores.open(spec)) {
            store.put(prefix + "/config", json, null);
        }
    }

    /**
     * Writes from a child process inside namespace {@code ns}, for a store only reachable from
     * there (the lab's etcd listens on the underlay, not in the root namespace). The child is
     * {@code crossnet lab put-config}, which calls {@link #write}.
     */
    static void writeFromNs(String ns, String storeSpec, String prefix, String json) {
        List<String> cmd = new ArrayList<>(SelfCommand.argv());
        cmd.addAll(List.of("lab", "put-config", "--store", storeSpec, "--prefix", prefix, "--config", json,
                "--store-timeout", CHILD_STORE_TIMEOUT));
        Cmd.Result r = Cmd.run(Plumbing.inNs(ns, cmd), null, Duration.ofSeconds(60));
        if (r.exit() != 0) {
            throw new CrossnetException("cannot write the network config to " + storeSpec + ": " + r.err().strip().replaceFirst("^crossnet: error: ", ""));
        }
    }

    /**
     * Deletes the lease of {@code subnet} with {@code crossnet lease release}, run inside namespace
     * {@code ns} for the same reason as {@link #writeFromNs}.
     */
    static void releaseFromNs(String ns, String storeSpec, String prefix, String subnet) {
        List<String> cmd = new ArrayList<>(SelfCommand.argv());
        cmd.addAll(List.of("lease", "release", subnet, "--store", storeSpec, "--prefix", prefix,
                "--store-timeout", CHILD_STORE_TIMEOUT));
        Cmd.Result r = Cmd.run(Plumbing.inNs(ns, cmd), null, Duration.ofSeconds(60));
        if (r.exit() != 0) {
            throw new CrossnetException("cannot release " + subnet + " in " + storeSpec + ": "
                    + r.err().strip().replaceFirst("^crossnet: error: ", ""));
        }
    }

    /** Every key under {@code prefix} with its value, one per line, for diagnostics. */
    static String dump(String storeSpec, String prefix) {
        StringBuilder b = new StringBuilder();
        try (Store store = Stores.open(StoreSpec.parse("--store", storeSpec, Duration.ofSeconds(5)))) {
            for (var kv : store.list(prefix).items()) {
                b.append(kv.key()).append(" = ").append(kv.value()).append('\n');
            }
        }
        return b.toString();
    }
}
