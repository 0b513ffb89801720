package dev.crossnet.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.docker.lab.BusyboxImage;
import dev.crossnet.docker.lab.Exec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The busybox image on a first run (issue 9): {@code lab up --docker} starts its hosts in parallel,
 * and on a machine with no cached tarball each host's thread built it at once; all but one failed
 * with NoSuchFileException on the shared temp file. Here the cache is a fresh directory of this
 * test (the machine's {@code /var/cache/crossnet} stays untouched, other runs may be using it).
 */
@Tag("integration")
class BusyboxImageIT {
    private static final List<String> HOSTS = List.of("h1", "h2", "h3");

    @TempDir
    Path tmp;

    @Test
    void emptyCache_threeHostsImportAtOnce_eachRunsTheWholeImage() throws Exception {
        Path cache = tmp.resolve("first/run/busybox-rootfs.tar"); // its directories are missing too
        try (DockerLab d = new DockerLab("cnb", HOSTS.size(), o -> o.withBusyboxCache(cache))) {
            try {
                for (String h : HOSTS) {
                    assertThat(runs(d, h, BusyboxImage.NAME)).as("busybox runs on %s", h).isTrue();
                }
                assertWholeTarball(cache);

                // Again with the threads lined up, so that they surely ask for the tarball at the
                // same moment, and each imports it into its host's dockerd at once with the others.
                Path again = tmp.resolve("again/busybox-rootfs.tar");
                CyclicBarrier start = new CyclicBarrier(HOSTS.size());
                ExecutorService pool = Executors.newFixedThreadPool(HOSTS.size());
                try {
                    List<Future<Exec.Result>> imports = new ArrayList<>();
                    for (String h : HOSTS) {
                        imports.add(pool.submit(() -> {
                            start.await(60, TimeUnit.SECONDS);
                            Path tarball = BusyboxImage.tarball(again);
                            return d.tryDocker(h, "import", "-c", "CMD [\"/bin/sh\"]", tarball.toString(), "busybox:again");
                        }));
                    }
                    for (int i = 0; i < HOSTS.size(); i++) {
                        Exec.Result r = imports.get(i).get(180, TimeUnit.SECONDS);
                        assertThat(r.ok()).as("import on %s: %s", HOSTS.get(i), r.stderr()).isTrue();
                    }
                } finally {
                    pool.shutdownNow();
                }
                for (String h : HOSTS) {
                    assertThat(runs(d, h, "busybox:again")).as("busybox:again runs on %s", h).isTrue();
                }
                assertWholeTarball(again);
            } catch (Throwable t) {
                d.dump();
                throw t;
            }
        }
    }

    private static boolean runs(DockerLab d, String host, String image) {
        Exec.Result r = d.tryDocker(host, "run", "--rm", "--network", "none", image, "sh", "-c", "echo ran on $(hostname)");
        return r.ok() && r.stdout().startsWith("ran on ");
    }

    /** The tarball holds busybox and its applets, and its directory holds nothing else but a lock file: no temp file. */
    private static void assertWholeTarball(Path cache) throws IOException {
        String listing = Exec.run(Duration.ofSeconds(60), "tar", "-tvf", cache.toString()).orThrow().stdout();
        assertThat(listing).contains("./bin/busybox").contains("./bin/sh -> busybox").contains("./etc/passwd");
        try (Stream<Path> s = Files.list(cache.getParent())) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).contains("busybox-rootfs.tar")
                    .allMatch(n -> n.equals("busybox-rootfs.tar") || n.endsWith(".lock"));
        }
    }
}
