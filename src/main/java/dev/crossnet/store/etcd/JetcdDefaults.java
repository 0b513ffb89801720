package dev.crossnet.store.etcd;

import java.util.Map;

/**
 * System properties that size jetcd's stack (Vert.x, gRPC, netty) for a store client in a small
 * daemon. jetcd builds its own {@code Vertx} with default options and its own gRPC channel, so these
 * properties are the only way in. Measured on the agent and on {@code bench.AgentFloor}
 * (docs/benchmarks.md, "One agent, 1000 peers"):
 * <ul>
 * <li>{@code vertx.disableDnsResolver}: Vert.x resolves host names with the JDK's resolver (the
 * system's {@code nsswitch.conf}, {@code /etc/hosts}, the JDK's cache) instead of building netty's
 * DNS client at start-up, which jetcd never uses (its name resolvers turn the endpoints into
 * addresses through the JDK, with or without the property): ~150 classes fewer (netty's DNS codec and resolver, JNDI's DNS provider).
 * <li>{@code vertx.disableFileCPResolving}, {@code vertx.disableFileCaching}: jetcd reads no files
 * through Vert.x, so its file resolver needs neither the class path nor a cache directory: ~100
 * classes fewer.
 * <li>{@code io.netty.allocator.type=unpooled}: gRPC's channel (and netty's default allocator)
 * allocate each buffer on its own and free it when released, instead of from pooled arenas. crossnet's
 * etcd traffic is small (leases and Docker records, a few hundred bytes each; a full re-list of 1000
 * leases is ~200 KB) and mostly idle, so a pool keeps memory for nothing: ~40 classes and netty's
 * arena memory fewer.
 * <li>The pooled allocator's arenas (one direct, one heap, 1 MiB chunks: {@code maxOrder} 7 with 8
 * KiB pages, no thread caches), in case anything in the process still uses a pooled allocator:
 * netty's defaults are two arenas per CPU of 4-16 MiB chunks.
 * </ul>
 *
 * <p>netty and Vert.x read these once, when their classes initialise, so {@link #apply} must run
 * before the first jetcd client is built. A property already set (on the command line) wins.
 */
public final class JetcdDefaults {
    static final Map<String, String> PROPERTIES = Map.of(
            "vertx.disableDnsResolver", "true",
            "vertx.disableFileCPResolving", "true",
            "vertx.disableFileCaching", "true",
            "io.netty.allocator.type", "unpooled",
            "io.netty.allocator.numDirectArenas", "1",
            "io.netty.allocator.numHeapArenas", "1",
            "io.netty.allocator.maxOrder", "7",
            "io.netty.allocator.useCacheForAllThreads", "false");

    private JetcdDefaults() {
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
