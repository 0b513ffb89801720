package dev.crossnet.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterConfigTest {

    @Test
    void resolveDir_flagBeatsEnvBeatsDefault() {
        assertThat(ClusterConfig.resolveDir(Path.of("/a"), Map.of(ClusterConfig.ENV, "/b"))).isEqualTo(Path.of("/a"));
        assertThat(ClusterConfig.resolveDir(null, Map.of(ClusterConfig.ENV, "/b"))).isEqualTo(Path.of("/b"));
        assertThat(ClusterConfig.resolveDir(null, Map.of())).isEqualTo(Path.of("/etc/crossnet"));
        assertThat(ClusterConfig.resolveDir(null, Map.of(ClusterConfig.ENV, " "))).isEqualTo(Path.of("/etc/crossnet"));
    }

    @Test
    void saveLoad_roundTrip_storeSpecUsesHostFiles(@TempDir Path dir) {
        ClusterConfig c = new ClusterConfig("h1", "10.0.0.1", ClusterConfig.MEMBER, List.of("https://10.0.0.1:2379"), "/p",
                "10.0.0.1:2377", true, "10.0.0.1:2377");
        c.save(dir);
        assertThat(ClusterConfig.load(dir)).contains(c);
        var spec = c.storeSpec(dir, Duration.ofSeconds(5));
        assertThat(spec.isEtcd()).isTrue();
        assertThat(spec.caFile()).isEqualTo(dir.resolve("ca.crt"));
        assertThat(spec.certFile()).isEqualTo(dir.resolve("host.crt"));
        assertThat(spec.keyFile()).isEqualTo(dir.resolve("host.key"));
        assertThat(spec.endpoints()).extracting(Object::toString).containsExactly("https://10.0.0.1:2379");
    }

    @Test
    void load_noFile_empty(@TempDir Path dir) {
        assertThat(ClusterConfig.load(dir)).isEmpty();
    }

    @Test
    void etcdData_defaultDirUsesVarLib_otherDirsKeepItBeside() {
        assertThat(new ClusterConfig.Layout(ClusterConfig.DEFAULT_DIR).etcdData()).isEqualTo(Path.of("/var/lib/crossnet/etcd"));
        assertThat(new ClusterConfig.Layout(Path.of("/x")).etcdData()).isEqualTo(Path.of("/x/etcd-data"));
    }

    @Test
    void etcdEnv_flagsAndRoundTrip(@TempDir Path dir) {
        var vars = EtcdMemberEnv.of("h1", "10.0.0.1", new ClusterConfig.Layout(dir), "h1=https://10.0.0.1:2380", true, "t");
        assertThat(vars).containsEntry("ETCD_LISTEN_CLIENT_URLS", "https://10.0.0.1:2379")
                .containsEntry("ETCD_CLIENT_CERT_AUTH", "true").containsEntry("ETCD_PEER_CLIENT_CERT_AUTH", "true")
                .containsEntry("ETCD_INITIAL_CLUSTER_STATE", "new");
        EtcdMemberEnv.write(dir.resolve("etcd.env"), vars);
        assertThat(EtcdMemberEnv.read(dir.resolve("etcd.env"))).isEqualTo(vars);
        assertThat(EtcdMemberEnv.flag("ETCD_INITIAL_CLUSTER_STATE")).isEqualTo("--initial-cluster-state");
    }

    @Test
    void agentEnv_roundTrip(@TempDir Path dir) {
        AgentEnv.write(dir.resolve("agent.env"), List.of("--public-ip", "10.0.0.1"));
        assertThat(AgentEnv.read(dir.resolve("agent.env"))).containsExactly("--public-ip", "10.0.0.1");
        assertThat(AgentEnv.read(dir.resolve("none"))).isEmpty();
    }

    @Test
    void refreshEndpoints_votersOnly_rewrittenOnlyWhenChanged(@TempDir Path dir) throws Exception {
        ClusterConfig c = new ClusterConfig("h2", "10.0.0.2", ClusterConfig.MEMBER, List.of("https://10.0.0.1:2379"), "/p",
                "10.0.0.1:2377", false, null);
        c.save(dir);
        var members = new MembershipTest.RecordingEtcdCluster().voter("h1", "10.0.0.1").voter("h2", "10.0.0.2")
                .learner("h3", "10.0.0.3").members();
        ClusterConfig.refreshEndpoints(dir, c, members);
        ClusterConfig after = ClusterConfig.load(dir).orElseThrow();
        assertThat(after.etcdEndpoints()).containsExactly("https://10.0.0.1:2379", "https://10.0.0.2:2379");
        java.nio.file.attribute.FileTime t = java.nio.file.Files.getLastModifiedTime(dir.resolve(ClusterConfig.FILE));
        java.nio.file.Files.setLastModifiedTime(dir.resolve(ClusterConfig.FILE), java.nio.file.attribute.FileTime.fromMillis(0));
        ClusterConfig.refreshEndpoints(dir, after, members);
        assertThat(java.nio.file.Files.getLastModifiedTime(dir.resolve(ClusterConfig.FILE)).toMillis()).as("unchanged: not rewritten").isZero();
    }

    @Test
    void saveEndpoints_whatARunningProcessLearnt_keepsTheRestOfTheConfig_noFileNoWrite(@TempDir Path dir) throws Exception {
        ClusterConfig c = new ClusterConfig("h2", "10.0.0.2", ClusterConfig.MEMBER, List.of("https://10.0.0.1:2379"), "/p",
                "10.0.0.1:2377", false, null);
        c.save(dir);
        List<String> three = List.of("https://10.0.0.1:2379", "https://10.0.0.2:2379", "https://10.0.0.3:2379");
        ClusterConfig.saveEndpoints(dir, three);
        assertThat(ClusterConfig.load(dir).orElseThrow()).isEqualTo(c.withEtcdEndpoints(three));

        Path empty = java.nio.file.Files.createDirectory(dir.resolve("empty"));
        ClusterConfig.saveEndpoints(empty, three);
        assertThat(empty).isEmptyDirectory();
    }
}
