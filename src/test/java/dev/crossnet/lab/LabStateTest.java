package dev.crossnet.lab;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.lab.LabState.ContainerState;
import dev.crossnet.lab.LabState.HostState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabStateTest {

    private static LabState sample() {
        return new LabState("cnlab", "vxlan", "10.5.0.0/16", "file:/run/crossnet/lab/cnlab/store.db", Lab.PREFIX, 2, true, 0,
                List.of(new HostState("h1", 1, "cnlab-h1", "172.30.0.11", 4242, "10.5.34.0/24", 1450,
                        List.of(new ContainerState("h1-c1", "cnlab-h1-c1", "10.5.34.2")))),
                List.of("--ip-masq", "--subnet-lease-ttl", "6000ms"));
    }

    @Test
    void saveAndLoad_roundTripsEveryField(@TempDir Path dir) {
        sample().save(dir);
        assertThat(LabState.load(dir)).contains(sample());
        assertThat(dir.toFile().list()).containsExactly("lab.json");
    }

    /** Regression: every writer used the one temp file lab.json.tmp, and lost the race to rename it. */
    @Test
    void save_eightWritersAtOnce_allSucceedAndTheFileIsOneOfTheirs(@TempDir Path dir) throws Exception {
        int writers = 8;
        CyclicBarrier start = new CyclicBarrier(writers);
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                LabState s = sample().withEtcdPid(1000 + i);
                done.add(pool.submit(() -> {
                    start.await(60, TimeUnit.SECONDS);
                    for (int n = 0; n < 50; n++) {
                        s.save(dir);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(LabState.load(dir).orElseThrow().etcdPid()).isBetween(1000L, 1000L + writers - 1);
        assertThat(dir.toFile().list()).containsExactly("lab.json");
    }

    @Test
    void load_noFile_isEmpty(@TempDir Path dir) {
        assertThat(LabState.load(dir)).isEmpty();
    }

    @Test
    void fromJson_unknownFields_areIgnored() throws Exception {
        String json = sample().toJson().replaceFirst("\\{", "{\"future\":1,");
        assertThat(LabState.fromJson(json)).isEqualTo(sample());
    }

    @Test
    void withHost_replacesByNameAndKeepsIndexOrder(@TempDir Path dir) throws Exception {
        LabState s = sample()
                .withHost(new HostState("h3", 3, "cnlab-h3", "172.30.0.13", 0, null, 0, List.of()))
                .withHost(new HostState("h2", 2, "cnlab-h2", "172.30.0.12", 0, null, 0, List.of()))
                .withHost(sample().hosts().get(0).withAgentPid(7));
        assertThat(s.hosts()).extracting(HostState::name).containsExactly("h1", "h2", "h3");
        assertThat(s.host("h1").orElseThrow().agentPid()).isEqualTo(7);
        assertThat(s.host("h1").orElseThrow().containers()).hasSize(1);
        s.save(dir);
        assertThat(Files.readString(dir.resolve("lab.json"))).contains("\"netns\" : \"cnlab-h3\"");
    }
}
