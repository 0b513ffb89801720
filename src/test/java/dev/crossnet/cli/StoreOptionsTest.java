package dev.crossnet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import dev.crossnet.store.StoreSpec;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class StoreOptionsTest {
    @TempDir
    Path dir;

    private static StoreOptions parse(String... args) {
        StoreOptions o = new StoreOptions();
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
        // Only meaningful when the password is not supplied through the environment.
        if (System.getenv("CROSSNET_ETCD_PASSWORD") == null) {
            assertError("--etcd-password", "--etcd-endpoints", "http://h:1", "--etcd-username", "root");
        }
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
