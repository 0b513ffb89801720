package dev.crossnet.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening the embedded store must not load the JDK's CLDR locale data (issue 10, agent memory):
 * sqlite-jdbc's connection config builds a date formatter whose calendar, with CLDR first, made the
 * CLDR adapter create about 1000 {@code Locale}s that the agent kept for good. Checked in a child JVM
 * with class loading logged, because this JVM's locale providers are chosen once and may already be.
 */
class SqliteLocaleDataTest {
    static final String CLDR_ADAPTER = "sun.util.cldr.CLDRLocaleProviderAdapter ";

    @TempDir
    Path dir;

    @Test
    void open_defaultProviders_doesNotLoadCldr() throws Exception {
        String classes = openInChild(List.of());
        assertThat(classes).contains("opened").contains("org.sqlite.date.FastDateParser ");
        assertThat(classes).doesNotContain(CLDR_ADAPTER);
    }

    @Test
    void open_providersChosenByTheOperator_areKept() throws Exception {
        String classes = openInChild(List.of("-Djava.locale.providers=CLDR"));
        assertThat(classes).contains("opened").contains(CLDR_ADAPTER);
    }

    private String openInChild(List<String> jvmFlags) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xshare:off"); // classes from the CDS archive are logged too, but keep the log plain
        cmd.add("-verbose:class");
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(OpenStore.class.getName());
        cmd.add(dir.resolve("store.db").toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    /** Child JVM: opens a store, writes and reads one key, closes it. */
    public static final class OpenStore {
        public static void main(String[] args) throws Exception {
            try (SqliteStore store = SqliteStore.open(Path.of(args[0]))) {
                store.put("/k", "v", null);
                store.get("/k").orElseThrow();
            }
            System.out.println("opened");
        }
    }
}
