package dev.crossnet.cli;

import dev.crossnet.bench.StoreBench;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code crossnet bench …}: benchmarks (numbers for docs/benchmarks.md, never pass/fail). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.",
        subcommands = {BenchCommand.StoreCmd.class, BenchCommand.WatchChild.class})
final class BenchCommand {

    @Command(name = "store", mixinStandardHelpOptions = true,
            description = "Lease acquisition time for N hosts, cross-process watch latency, and (etcd) the time an unreachable endpoint takes to fail, on one store. Uses the key prefix /crossnet-bench unless --prefix is given; it wipes that prefix first.")
    static final class StoreCmd implements Runnable {
        @Mixin
        StoreOptions storeOptions;

        @Option(names = "--hosts", defaultValue = "1000", description = "Hosts that acquire a lease (default: ${DEFAULT-VALUE}).")
        int hosts;

        @Option(names = "--parallel", defaultValue = "1,16", split = ",", description = "Concurrent agents, one run each (default: ${DEFAULT-VALUE}).")
        List<Integer> parallel;

        @Option(names = "--events", defaultValue = "200", description = "Watch events to time (default: ${DEFAULT-VALUE}).")
        int events;

        @Override
        public void run() {
            String prefix = storeOptions.prefix == null ? "/crossnet-bench" : storeOptions.prefix();
            StoreBench b = new StoreBench(storeOptions::open, prefix, System.out);
            System.out.println("store: " + storeOptions.spec().describe());
            try {
                for (int p : parallel) {
                    b.leases(hosts, p);
                }
                List<String> child = new ArrayList<>(ProcessHandle.current().info().command().map(List::of).orElse(List.of("java")));
                child.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
                        "bench", "watch-child", "--events", Integer.toString(events), "--prefix", prefix));
                child.addAll(storeArgs());
                b.watchLatency(child, events, 5);
                if (storeOptions.spec().isEtcd()) {
                    b.unreachableEtcd();
                }
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new dev.crossnet.CrossnetException("benchmark failed: " + e.getMessage(), e);
            }
        }

        private List<String> storeArgs() {
            var spec = storeOptions.spec();
            if (!spec.isEtcd()) {
                return List.of("--store", "file:" + spec.file());
            }
            List<String> out = new ArrayList<>(List.of("--etcd-endpoints",
                    String.join(",", spec.endpoints().stream().map(Object::toString).toList())));
            return out;
        }
    }

    @Command(name = "watch-child", hidden = true, description = "The watching side of bench store.")
    static final class WatchChild implements Runnable {
        @Mixin
        StoreOptions storeOptions;

        @Option(names = "--events", defaultValue = "200")
        int events;

        @Override
        public void run() {
            try {
                new StoreBench(storeOptions::open, storeOptions.prefix(), System.out).watchChild(events);
            } catch (Exception e) {
                throw new dev.crossnet.CrossnetException("watch child failed: " + e.getMessage(), e);
            }
        }
    }
}
