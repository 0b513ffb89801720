package dev.crossnet.store.etcd;

import java.util.Map;

/**
 * netty's pooled allocator sized for a store client, not a server: jetcd talks to etcd through
 * Vert.x and netty, whose default is two arenas per CPU, each of 4 MiB chunks (16 MiB from netty
 * 4.1.76 on), plus a buffer cache per thread. crossnet's etcd traffic is small (leases and Docker
 * records, a few hundred bytes each; a full re-list of 1000 leases is ~200 KB), so one direct and
 * one heap arena of 1 MiB chunks ({@code maxOrder} 7: 8 KiB pages × 2^7) serve it; a buffer larger
 * than a chunk is allocated unpooled. Measured on the agent with 1000 peers on etcd: netty's direct
 * memory 8.1 → 1.1 MiB, RSS −10 MiB (docs/benchmarks.md, "One agent, 1000 peers").
 *
 * <p>netty reads these properties once, when its allocator class initialises, so {@link #apply} must
 * run before the first jetcd client is built. A property already set (on the command line) wins.
 */
public final class NettyDefaults {
    static final Map<String, String> PROPERTIES = Map.of(
            "io.netty.allocator.numDirectArenas", "1",
            "io.netty.allocator.numHeapArenas", "1",
            "io.netty.allocator.maxOrder", "7",
            "io.netty.allocator.useCacheForAllThreads", "false");

    private NettyDefaults() {
    }

    /** Sets each of {@link #PROPERTIES} that is not set yet. Idempotent; thread-safe. */
    public static synchronized void apply() {
        PROPERTIES.forEach((k, v) -> {
            if (System.getProperty(k) == null) {
                System.setProperty(k, v);
            }
        });
    }
}
