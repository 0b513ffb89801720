package dev.crossnet.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JetcdDefaultsTest {
    private static final String ARENAS = "io.netty.allocator.numDirectArenas";
    private static final String ORDER = "io.netty.allocator.maxOrder";
    /** Loaded by a jetcd client with netty's and Vert.x's defaults, and not with {@link JetcdDefaults}. */
    private static final List<String> SPARED = List.of(
            "io.netty.resolver.dns.DnsNameResolver", // Vert.x's DNS client
            "io.vertx.core.file.impl.FileCache", // Vert.x's file cache
            "io.netty.buffer.PoolArena"); // the pooled allocator
    private final String arenas = System.getProperty(ARENAS);
    private final String order = System.getProperty(ORDER);

    @AfterEach
    void restore() {
        put(ARENAS, arenas);
        put(ORDER, order);
    }

    private static void put(String k, String v) {
        if (v == null) {
            System.clearProperty(k);
        } else {
            System.setProperty(k, v);
        }
    }

    @Test
    void apply_setsTheSmallAllocator_butKeepsWhatTheCommandLineSet() {
        System.clearProperty(ARENAS);
        System.setProperty(ORDER, "9");
        JetcdDefaults.apply();
        assertThat(System.getProperty(ARENAS)).isEqualTo("1");
        assertThat(System.getProperty(ORDER)).isEqualTo("9");
    }

    @Test
    void aClientBuiltAfterApply_loadsNeitherTheDnsClientNorTheFileCacheNorThePool() throws Exception {
        String refusing = refusingEndpoint();
        String bare = loaded("bare", refusing);
        for (String c : SPARED) {
            assertThat(bare).as("without the defaults (the probe sees %s)", c).contains(" " + c + " ");
        }
        String applied = loaded("applied", refusing);
        assertThat(applied).contains(" io.vertx.core.impl.VertxImpl ", " io.grpc.netty.NettyClientTransport ");
        for (String c : SPARED) {
            assertThat(applied).as("with the defaults").doesNotContain(" " + c + " ");
        }
    }

    /** An endpoint on loopback that nothing listens on (a port just closed). */
    private static String refusingEndpoint() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }

    /** The class-load log ({@code -Xlog:class+load}) of a {@link JetcdClassesProbe} run. */
    private static String loaded(String mode, String endpoint) throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-Xlog:class+load=info:stdout", "-cp", cp,
                "-Dlogback.configurationFile=none", JetcdClassesProbe.class.getName(), mode, endpoint)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("probe output:%n%s", out).isZero();
        assertThat(out).as("the call was made").contains("refused");
        return out;
    }
}
