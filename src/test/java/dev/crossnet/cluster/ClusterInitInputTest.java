package dev.crossnet.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** init and join refuse bad input before they create anything, and start no service. */
class ClusterInitInputTest {
    @TempDir
    Path tmp;

    /** Fails the test if anything is started. */
    static final class NoServices implements Services {
        final List<Service> started = new ArrayList<>();

        @Override
        public void start(Service s) {
            started.add(s);
            throw new AssertionError("started " + s);
        }

        @Override
        public void stop(Service s) {
        }

        @Override
        public boolean running(Service s) {
            return false;
        }

        @Override
        public String logHint(Service s) {
            return "-";
        }
    }

    void assertInitFails(String message, String network, String backend, String advertise, String listen) {
        Path dir = tmp.resolve("config");
        assertThatThrownBy(() -> ClusterInit.run(new ClusterInit.Options(dir, "h1", advertise, listen, network, backend, "/p", null, true),
                new NoServices(), Clock.systemUTC())).isInstanceOf(CrossnetException.class).hasMessageContaining(message);
        assertThat(Files.exists(dir)).isFalse();
    }

    @Test
    void init_badNetwork_namesFlag_nothingCreated() {
        assertInitFails("--network", "10.5.0.0/33", "vxlan", "127.0.0.1", null);
    }

    @Test
    void init_badBackend_namesFlag() {
        assertInitFails("--backend", "10.5.0.0/16", "wireguard", "127.0.0.1", null);
    }

    @Test
    void init_advertiseAddrNotOnThisHost_refused() {
        assertInitFails("--advertise-addr: 203.0.113.9 is not an address of this host", "10.5.0.0/16", "vxlan", "203.0.113.9", null);
    }

    @Test
    void init_advertiseAddrNotAnIp_refused() {
        assertInitFails("--advertise-addr: \"example.com\" is not an IP address", "10.5.0.0/16", "vxlan", "example.com", null);
    }

    @Test
    void init_badListenAddr_refused() {
        assertInitFails("--listen-addr", "10.5.0.0/16", "vxlan", "127.0.0.1", "127.0.0.1:99999");
    }

    @Test
    void init_secondTime_refusedNamingLeave_filesUntouched() throws Exception {
        Path dir = tmp.resolve("config");
        Files.createDirectories(dir);
        new ClusterConfig("h1", "10.0.0.1", ClusterConfig.MEMBER, List.of("https://10.0.0.1:2379"), "/p", "10.0.0.1:2377", true,
                "10.0.0.1:2377").save(dir);
        String before = Files.readString(dir.resolve(ClusterConfig.FILE));
        NoServices s = new NoServices();
        assertThatThrownBy(() -> ClusterInit.run(new ClusterInit.Options(dir, "h1", "127.0.0.1", null, "10.5.0.0/16", "vxlan", "/p", null,
                true), s, Clock.systemUTC())).hasMessageContaining("already part of a cluster as host h1").hasMessageContaining("crossnet leave");
        assertThat(Files.readString(dir.resolve(ClusterConfig.FILE))).isEqualTo(before);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly(ClusterConfig.FILE);
        }
    }

    @Test
    void join_evenEtcdMembers_refusedBeforeContactingAnything() {
        Path dir = tmp.resolve("config");
        JoinToken t = JoinToken.generate("0".repeat(50));
        assertThatThrownBy(() -> ClusterJoin.run(new ClusterJoin.Options(dir, "h2", "127.0.0.1", "127.0.0.1:2377", t, 2, true),
                new NoServices(), Clock.systemUTC())).hasMessageContaining("--etcd-members: 2 must be odd");
        assertThat(Files.exists(dir)).isFalse();
    }
}
