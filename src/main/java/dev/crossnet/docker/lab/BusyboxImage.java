package dev.crossnet.docker.lab;

import dev.crossnet.CrossnetException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

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
     * Returns the cached rootfs tarball at {@code cache}, building it if it is missing or older than
     * {@code /bin/busybox}. Safe for any number of threads and processes at once, on an empty cache
     * too: one builds, the others wait and reuse the tarball, and none ever sees it half-written
     * (see {@link CachedFile}).
     *
     * @throws CrossnetException if busybox-static is missing or the tarball cannot be built
     */
    public static Path tarball(Path cache) {
        try {
            return CachedFile.get(cache, BusyboxImage::newerThanBusybox, BusyboxImage::build);
        } catch (IOException e) {
            throw new CrossnetException("cannot build the busybox rootfs tarball " + cache + ": " + e, e);
        }
    }

    private static boolean newerThanBusybox(Path cache) {
        try {
            return Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(BUSYBOX)) >= 0;
        } catch (IOException e) {
            return false; // busybox is gone or unreadable: the build says why
        }
    }

    private static void build(Path out, Path work) throws IOException {
        if (!Files.isExecutable(BUSYBOX)) {
            throw new CrossnetException(BUSYBOX + " is missing: install busybox-static");
        }
        Path root = work.resolve("rootfs");
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
        Exec.run(Duration.ofSeconds(60), "tar", "-C", root.toString(), "-cf", out.toString(), ".").orThrow();
    }

    /**
     * Imports the image into {@code daemon} as {@value #NAME}. Idempotent (re-tags). Several daemons
     * may import at once: each keeps its own image store, and the tarball is only read (a rebuild
     * renames a new file over it, so an import in progress keeps reading the old one).
     */
    public static void importInto(DockerDaemon daemon, Path tarball) {
        daemon.docker(Duration.ofSeconds(120), "import", "-c", "CMD [\"/bin/sh\"]", tarball.toString(), NAME).orThrow();
    }
}
