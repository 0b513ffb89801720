package dev.crossnet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class StoreSpecTest {
    static final Duration T = Duration.ofSeconds(5);

    @Test
    void parse_file_isEmbedded() {
        StoreSpec s = StoreSpec.parse("--store", "file:/tmp/x.db", T);
        assertThat(s.isEtcd()).isFalse();
        assertThat(s.file()).isEqualTo(Path.of("/tmp/x.db"));
        assertThat(s.describe()).isEqualTo("file:/tmp/x.db");
        assertThat(StoreSpec.parse("--store", "file:///tmp/x.db", T).file()).isEqualTo(Path.of("/tmp/x.db"));
    }

    @Test
    void parse_etcdList_isPlainHttp() {
        StoreSpec s = StoreSpec.parse("--store", "etcd://10.0.0.1:2379, 10.0.0.2:2379", T);
        assertThat(s.isEtcd()).isTrue();
        assertThat(s.endpoints()).containsExactly(URI.create("http://10.0.0.1:2379"), URI.create("http://10.0.0.2:2379"));
        assertThat(s.describe()).isEqualTo("etcd://10.0.0.1:2379,10.0.0.2:2379");
        assertThat(s.timeout()).isEqualTo(T);
    }

    @Test
    void parse_etcds_isHttps() {
        assertThat(StoreSpec.parse("--store", "etcds://127.0.0.1:2379", T).endpoints())
                .containsExactly(URI.create("https://127.0.0.1:2379"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "file:", "redis://h:1", "/var/lib/x.db", "etcd://", "etcd://host",
            "etcd://host:0", "etcd://host:70000", "etcd://h:1,", "etcd://a b:1", "etcd://h:port"})
    void parse_badInput_errorNamesTheFlag(String text) {
        assertThatThrownBy(() -> StoreSpec.parse("--store", text, T))
                .isInstanceOf(CrossnetException.class)
                .hasMessageStartingWith("--store: ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://h:1", "http://h", "http://:2379", "http://h:1,,http://h:2", "http://h:1,", "http://[::1:2379"})
    void parseEndpoints_badInput_errorNamesTheFlag(String text) {
        assertThatThrownBy(() -> StoreSpec.parseEndpoints("--etcd-endpoints", text))
                .isInstanceOf(CrossnetException.class)
                .hasMessageStartingWith("--etcd-endpoints: ");
    }

    @Test
    void parseEndpoints_bareHostPort_defaultsToHttp() {
        assertThat(StoreSpec.parseEndpoints("--etcd-endpoints", "127.0.0.1:2379,https://h:2379"))
                .containsExactly(URI.create("http://127.0.0.1:2379"), URI.create("https://h:2379"));
    }

    @Test
    void toString_neverShowsPassword() {
        StoreSpec s = new StoreSpec(null, List.of(URI.create("http://h:1")), null, null, null, null, null, T)
                .withAuth("root", "hunter2");
        assertThat(s.toString()).doesNotContain("hunter2").isEqualTo("etcd://h:1");
    }
}
