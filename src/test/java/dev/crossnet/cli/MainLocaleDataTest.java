package dev.crossnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A command on the embedded store must not load the JDK's CLDR locale data (issue 10, agent memory):
 * sqlite-jdbc's date formatter and Jackson's {@code StdDateFormat} each build a calendar, which with CLDR
 * first made the CLDR adapter create about 1000 {@code Locale}s that the agent kept for good. Run in a
 * child JVM with class loading logged, because a JVM chooses its locale providers once.
 */
class MainLocaleDataTest {
    static final String CLDR_ADAPTER = "sun.util.cldr.CLDRLocaleProviderAdapter ";

    @TempDir
    Path dir;

    @Test
    void configSetAndGet_embeddedStore_doNotLoadCldr() throws Exception {
        String classes = configSetAndGetInChild(List.of());
        assertThat(classes).contains("org.sqlite.date.FastDateParser ", "com.fasterxml.jackson.databind.util.StdDateFormat ");
        assertThat(classes).doesNotContain(CLDR_ADAPTER);
    }

    @Test
    void localeProvidersChosenByTheOperator_areKept() throws Exception {
        String classes = configSetAndGetInChild(List.of("-Djava.locale.providers=CLDR"));
        assertThat(classes).contains(CLDR_ADAPTER);
    }

    private String configSetAndGetInChild(List<String> jvmFlags) throws IOException, InterruptedException {
        Path config = Files.writeString(dir.resolve("net.json"), "{\"Network\":\"10.5.0.0/16\"}");
        String store = "file:" + dir.resolve("store.db");
        StringBuilder out = new StringBuilder();
        out.append(child(jvmFlags, "config", "set", "--store", store, "--prefix", "/x/network", config.toString()));
        out.append(child(jvmFlags, "config", "get", "--store", store, "--prefix", "/x/network"));
        assertThat(out).contains("10.5.0.0/16");
        return out.toString();
    }

    private static String child(List<String> jvmFlags, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-verbose:class");
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
