package dev.crossnet.bench;

import dev.crossnet.lease.LeaseRegistry;
import dev.crossnet.lease.SubnetManager;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.store.ListResult;
import dev.crossnet.store.Store;
import dev.crossnet.store.StoreException;
import dev.crossnet.store.StoreSpec;
import dev.crossnet.store.WatchEvent;
import dev.crossnet.store.WatchListener;
import dev.crossnet.store.etcd.EtcdStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Control-plane benchmarks on one store: how long N hosts take to acquire leases (sequentially and
 * with concurrent agents), the watch latency from a put in this process to the event seen by
 * another process, and (for etcd) how long an unreachable endpoint takes to fail.
 */
public final class StoreBench {
    private final Supplier<Store> stores;
    private final String prefix;
    private final PrintStream out;

    public StoreBench(Supplier<Store> stores, String prefix, PrintStream out) {
        this.stores = stores;
        this.prefix = prefix;
        this.out = out;
    }

    /** N hosts acquire a /24 each in a /14 (1023 subnets); {@code parallel} agents at a time. */
    public void leases(int hosts, int parallel) throws Exception {
        try (Store s = stores.get()) {
            for (var kv : s.list(prefix + "/").items()) {
                s.delete(kv.key());
            }
            new LeaseRegistry(s, prefix).setConfig(NetworkConfig.parse("{\"Network\":\"10.64.0.0/14\"}"));
        }
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        List<Store> opened = new ArrayList<>();
        try {
            for (int i = 0; i < parallel; i++) {
                opened.add(stores.get());
            }
            long t0 = System.nanoTime();
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < hosts; i++) {
                Store s = opened.get(i % parallel);
                String ip = "198.18." + (i / 250) + "." + (1 + i % 250);
                fs.add(pool.submit(() -> new SubnetManager(new LeaseRegistry(s, prefix), new Random())
                        .acquire(new LeaseAttrs(ip, "vxlan", null), Duration.ofHours(1), null)));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            out.printf("leases: %d hosts acquired a /24 in %.2f s with %d concurrent agents (%.0f leases/s)%n",
                    hosts, secs, parallel, hosts / secs);
        } finally {
            pool.shutdownNow();
            opened.forEach(Store::close);
        }
    }

    /**
     * Puts {@code count} keys, one every {@code gapMs}, while a child process (started with
     * {@code childCommand}) watches them and reports, per event, the delay from the put to the
     * event. Each value is the time just before the put, from {@link #epochNanos}; the child reads
     * the same clock when the event arrives. One clock, one machine: no skew, microsecond resolution.
     */
    public void watchLatency(List<String> childCommand, int count, int gapMs) throws Exception {
        Process child = new ProcessBuilder(childCommand).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
             Store s = stores.get()) {
            String line = r.readLine(); // "watching" once the child's watch is in place
            if (line == null || !line.equals("watching")) {
                throw new IOException("watch child did not start: " + line);
            }
            for (int i = 0; i < count; i++) {
                s.put(prefix + "/bench/watch/" + i, Long.toString(epochNanos()), null);
                Thread.sleep(gapMs);
            }
            double[] lat = new double[count];
            for (int i = 0; i < count; i++) {
                String l = r.readLine();
                if (l == null) {
                    throw new IOException("watch child ended after " + i + " events");
                }
                lat[i] = Double.parseDouble(l);
            }
            out.println("watch latency (put -> event in another process): " + Stats.of(lat).format("ms"));
        } finally {
            child.destroy();
            child.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /**
     * How long an etcd operation against a closed loopback port takes to fail, with a 1 s attempt
     * timeout (as {@code EtcdSecurityIT} connects): the retries before the "cannot reach etcd" error.
     */
    public void unreachableEtcd() throws IOException {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort(); // closed again before the attempt: nothing listens there
        }
        StoreSpec spec = new StoreSpec(null, List.of(java.net.URI.create("http://127.0.0.1:" + port)), null, null, null, null, null,
                Duration.ofSeconds(1));
        long t0 = System.nanoTime();
        String error = "none";
        try (Store s = EtcdStore.connect(spec)) {
            s.get("/k");
        } catch (StoreException e) {
            error = e.getMessage();
        }
        out.printf(java.util.Locale.ROOT, "etcd unreachable (closed port, 1 s attempt timeout): error after %.2f s: %s%n",
                (System.nanoTime() - t0) / 1e9, error);
    }

    /**
     * Nanoseconds since the epoch from the system clock ({@code Instant.now()}: on Linux
     * {@code clock_gettime(CLOCK_REALTIME)}, whose nanoseconds Java keeps since 15; successive
     * reads here differ by well under a microsecond). Unlike {@code currentTimeMillis}, fine enough for
     * sub-millisecond latencies; unlike {@code nanoTime}, specified to be comparable between processes.
     */
    static long epochNanos() {
        java.time.Instant t = java.time.Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /** The child side of {@link #watchLatency}: prints one latency in ms per event. Blocks until killed. */
    public void watchChild(int count) throws Exception {
        try (Store s = stores.get()) {
            long rev = s.list(prefix + "/bench/watch/").revision();
            CountDownLatch done = new CountDownLatch(count);
            s.watch(prefix + "/bench/watch/", rev, new WatchListener() {
                @Override
                public void onEvents(List<WatchEvent> events, long revision) {
                    long now = epochNanos();
                    for (WatchEvent e : events) {
                        if (e instanceof WatchEvent.Put p) {
                            out.println((now - Long.parseLong(p.kv().value())) / 1e6);
                            done.countDown();
                        }
                    }
                    out.flush();
                }

                @Override
                public void onReset(ListResult snapshot) {
                }
            });
            out.println("watching");
            out.flush();
            done.await(5, TimeUnit.MINUTES);
        }
    }
}
