package dev.crossnet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import dev.crossnet.store.StoreSpec;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class StoreOptionsTest {
    @TempDir
    Path dir;

    /** Parses {@code args} with an empty environment: no test sees the CROSSNET_* of the machine it runs on. */
    private static StoreOptions parse(String... args) {
        return parse(Map.of(), args);
    }

    private static StoreOptions parse(Map<String, String> env, String... args) {
        StoreOptions o = new StoreOptions(env);
        new CommandLine(o).parseArgs(args);
        return o;
    }

    private static void assertError(String flag, String... args) {
        assertThatThrownBy(() -> parse(args).spec())
                .isInstanceOf(CrossnetException.class)
                .hasMessageStartingWith(flag + ": ");
    }

    @Test
    void etcdEndpoints_withCredentialsAndTimeout() {
        StoreSpec s = parse("--etcd-endpoints", "http://127.0.0.1:2379", "--etcd-username", "root",
                "--etcd-password", "pw", "--store-timeout", "750ms").spec();
        assertThat(s.endpoints()).containsExactly(URI.create("http://127.0.0.1:2379"));
        assertThat(s.username()).isEqualTo("root");
        assertThat(s.password()).isEqualTo("pw");
        assertThat(s.timeout()).isEqualTo(Duration.ofMillis(750));
    }

    @Test
    void tlsFiles_areCarriedIntoTheSpec() throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
        Path cert = Files.writeString(dir.resolve("c.pem"), "x");
        Path key = Files.writeString(dir.resolve("k.pem"), "x");
        StoreSpec s = parse("--store", "etcds://h:2379", "--etcd-cafile", ca.toString(),
                "--etcd-certfile", cert.toString(), "--etcd-keyfile", key.toString()).spec();
        assertThat(s.caFile()).isEqualTo(ca);
        assertThat(s.certFile()).isEqualTo(cert);
        assertThat(s.keyFile()).isEqualTo(key);
    }

    @Test
    void storeAndEtcdEndpoints_together_rejected() {
        assertError("--etcd-endpoints", "--store", "etcd://h:1", "--etcd-endpoints", "http://h:1");
    }

    @Test
    void badStore_namesStore() {
        assertError("--store", "--store", "zookeeper://h:1");
    }

    @Test
    void badEndpoints_nameEtcdEndpoints() {
        assertError("--etcd-endpoints", "--etcd-endpoints", "h");
    }

    @Test
    void certWithoutKey_andKeyWithoutCert_rejected() throws Exception {
        Path f = Files.writeString(dir.resolve("c.pem"), "x");
        assertError("--etcd-keyfile", "--store", "etcds://h:1", "--etcd-certfile", f.toString());
        assertError("--etcd-certfile", "--store", "etcds://h:1", "--etcd-keyfile", f.toString());
    }

    @Test
    void unreadableTlsFile_namesItsFlag() {
        String missing = dir.resolve("missing.pem").toString();
        assertError("--etcd-cafile", "--store", "etcds://h:1", "--etcd-cafile", missing);
        assertThatThrownBy(() -> parse("--store", "etcds://h:1", "--etcd-cafile", missing).spec())
                .hasMessageContaining(missing);
    }

    @Test
    void tlsOptionsWithEmbeddedStore_rejected() throws Exception {
        Path f = Files.writeString(dir.resolve("ca.pem"), "x");
        assertThatThrownBy(() -> parse("--store", "file:" + dir.resolve("s.db"), "--etcd-cafile", f.toString()).spec())
                .isInstanceOf(CrossnetException.class)
                .hasMessageContaining("--etcd-cafile");
    }

    @Test
    void usernameWithoutPassword_namesPassword() {
        assertError("--etcd-password", "--etcd-endpoints", "http://h:1", "--etcd-username", "root");
    }

    @Test
    void passwordFromEnvironment_usedWithUsername_flagWins() {
        Map<String, String> env = Map.of("CROSSNET_ETCD_PASSWORD", "from-env");
        assertThat(parse(env, "--etcd-endpoints", "http://h:1", "--etcd-username", "root").spec().password())
                .isEqualTo("from-env");
        assertThat(parse(env, "--etcd-endpoints", "http://h:1", "--etcd-username", "root", "--etcd-password", "pw")
                .spec().password()).isEqualTo("pw");
    }

    @Test
    void storeAndPrefixFromEnvironment_usedWhenNoFlag_flagWins() {
        Map<String, String> env = Map.of("CROSSNET_STORE", "etcd://h:2379", "CROSSNET_PREFIX", "/from/env/");
        assertThat(parse(env).spec().endpoints()).containsExactly(URI.create("http://h:2379"));
        assertThat(parse(env).prefix()).isEqualTo("/from/env");
        assertThat(parse(env, "--store", "file:" + dir.resolve("s.db")).spec().file()).isEqualTo(dir.resolve("s.db"));
        assertThat(parse(env, "--prefix", "/flag").prefix()).isEqualTo("/flag");
    }

    @Test
    void emptyEnvironment_embeddedStoreAndFlannelPrefix() {
        StoreSpec s = parse().spec();
        assertThat(s.isEtcd()).isFalse();
        assertThat(s.file()).isEqualTo(Path.of(StoreSpec.DEFAULT_FILE));
        assertThat(parse().prefix()).isEqualTo(StoreOptions.DEFAULT_PREFIX);
    }

    @Test
    void relativePrefix_namesPrefix() {
        assertThatThrownBy(() -> parse("--prefix", "coreos.com/network").prefix())
                .isInstanceOf(CrossnetException.class)
                .hasMessageStartingWith("--prefix: ");
        assertThat(parse("--prefix", "/x/").prefix()).isEqualTo("/x");
    }

    @Test
    void badTimeout_namesTheFlag() {
        assertThatThrownBy(() -> parse("--store-timeout", "soon"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--store-timeout");
    }
}
