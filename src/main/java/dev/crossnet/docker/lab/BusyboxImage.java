package dev.crossnet.docker.lab;

import dev.crossnet.CrossnetException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The {@code busybox:latest} image, made without a registry: a rootfs of {@code /bin/busybox}
 * (Debian's busybox-static) with one symlink per applet, tarred once and cached, then
 * {@code docker import}ed into each daemon.
 */
public final class BusyboxImage {
    public static final String NAME = "busybox:latest";
    public static final Path BUSYBOX = Path.of("/bin/busybox");
    /** Where the tarball is cached between runs. */
    public static final Path DEFAULT_CACHE = Path.of("/var/cache/crossnet/busybox-rootfs.tar");

    private BusyboxImage() {
    }

    /**
     * Returns the cached rootfs tarball, building it if it is missing or older than
     * {@code /bin/busybox}. Safe against concurrent builders: the tarball appears by atomic rename.
     */
    public static Path tarball(Path cache) {
        try {
            if (Files.exists(cache) && Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(BUSYBOX)) >= 0) {
                return cache;
            }
            if (!Files.isExecutable(BUSYBOX)) {
                throw new CrossnetException(BUSYBOX + " is missing: install busybox-static");
            }
            Files.createDirectories(cache.getParent());
            Path root = Files.createTempDirectory(cache.getParent(), "rootfs-");
            try {
                for (String d : new String[] {"bin", "etc", "tmp", "proc", "sys", "dev", "root"}) {
                    Files.createDirectories(root.resolve(d));
                }
                Files.copy(BUSYBOX, root.resolve("bin/busybox"));
                String applets = Exec.run(Duration.ofSeconds(10), BUSYBOX.toString(), "--list").orThrow().stdout();
                for (String applet : applets.split("\\s+")) {
                    if (!applet.isEmpty() && !applet.equals("busybox")) {
                        Files.createSymbolicLink(root.resolve("bin").resolve(applet), Path.of("busybox"));
                    }
                }
                Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
                Files.writeString(root.resolve("etc/group"), "root:x:0:\n");
                Path tmp = cache.resolveSibling(cache.getFileName() + ".tmp-" + ProcessHandle.current().pid());
                Exec.run(Duration.ofSeconds(60), "tar", "-C", root.toString(), "-cf", tmp.toString(), ".").orThrow();
                Files.move(tmp, cache, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                try (Stream<Path> walk = Files.walk(root)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
            return cache;
        } catch (IOException e) {
            throw new CrossnetException("cannot build the busybox rootfs tarball " + cache + ": " + e.getMessage(), e);
        }
    }

    /** Imports the image into {@code daemon} as {@value #NAME}. Idempotent (re-tags). */
    public static void importInto(DockerDaemon daemon, Path tarball) {
        daemon.docker(Duration.ofSeconds(120), "import", "-c", "CMD [\"/bin/sh\"]", tarball.toString(), NAME).orThrow();
    }
}
