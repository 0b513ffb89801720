package dev.crossnet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.cluster.ClusterConfig;
import dev.crossnet.store.StoreSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** StoreOptions falls back to the host's cluster config when no store is named. */
class StoreOptionsClusterTest {
    @TempDir
    Path dir;

    private static StoreOptions parse(Map<String, String> env, String... args) {
        StoreOptions o = new StoreOptions(env);
        new CommandLine(o).parseArgs(args);
        return o;
    }

    private void writeConfig() {
        new ClusterConfig("h1", "10.0.0.1", ClusterConfig.MEMBER, List.of("https://10.0.0.1:2379", "https://10.0.0.2:2379"),
                "/my/prefix", "10.0.0.1:2377", true, "10.0.0.1:2377").save(dir);
    }

    @Test
    void noStoreFlags_configDirFlag_usesClusterEtcdWithHostCertificates() {
        writeConfig();
        StoreOptions o = parse(Map.of(), "--config-dir", dir.toString());
        StoreSpec s = o.spec();
        assertThat(s.isEtcd()).isTrue();
        assertThat(s.endpoints()).extracting(Object::toString).containsExactly("https://10.0.0.1:2379", "https://10.0.0.2:2379");
        assertThat(s.certFile()).isEqualTo(dir.resolve("host.crt"));
        assertThat(o.prefix()).isEqualTo("/my/prefix");
    }

    @Test
    void configDirFromEnvironment() {
        writeConfig();
        StoreOptions o = parse(Map.of(ClusterConfig.ENV, dir.toString()));
        assertThat(o.spec().isEtcd()).isTrue();
    }

    @Test
    void explicitStore_winsOverConfigDirFromEnvironment() {
        writeConfig();
        StoreOptions o = parse(Map.of(ClusterConfig.ENV, dir.toString()), "--etcd-endpoints", "http://127.0.0.1:2379");
        assertThat(o.spec().endpoints()).extracting(Object::toString).containsExactly("http://127.0.0.1:2379");
        assertThat(o.prefix()).isEqualTo(StoreOptions.DEFAULT_PREFIX);
    }

    @Test
    void configDirFlagWithStore_refusedNamingBoth() {
        writeConfig();
        assertThatThrownBy(() -> parse(Map.of(), "--config-dir", dir.toString(), "--store", "file:/tmp/x.db").spec())
                .hasMessageStartingWith("--config-dir: give either");
    }

    @Test
    void configDirFlagWithoutClusterConfig_saysRunInitOrJoin() {
        assertThatThrownBy(() -> parse(Map.of(), "--config-dir", dir.toString()).spec())
                .hasMessageStartingWith("--config-dir: ").hasMessageContaining("crossnet init or crossnet join");
    }

    @Test
    void noConfigAnywhere_embeddedDefault() {
        StoreOptions o = parse(Map.of(ClusterConfig.ENV, dir.resolve("none").toString()));
        assertThat(o.spec().isEtcd()).isFalse();
    }
}
