package dev.crossnet.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.crossnet.testing.MachineLock;
import dev.crossnet.testing.Shell;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The .deb that {@code mvn package} builds, installed on this machine with dpkg: install, upgrade (from
 * the same package relabelled 0.0.1), remove and purge, each leaving exactly what it should. A Debian 12 root made
 * with debootstrap would be cleaner but takes minutes (its JRE alone), so this runs here and puts
 * back what it moved: {@code /etc/crossnet} and {@code /var/lib/crossnet}, if this machine had them.
 * Needs the package's dependencies installed ({@code scripts/install-deps} does) and no crossnet
 * package installed already. Holds {@link MachineLock#PACKAGES} throughout: {@link SystemdHostIT} sees this
 * machine's root through its overlay, packages and enabled units included.
 */
@Tag("integration")
class DebPackageIT {
    static final List<Path> OWNED_STATE = List.of(Path.of("/etc/crossnet"), Path.of("/var/lib/crossnet"));
    static final List<String> UNITS = List.of("crossnet-agent.service", "crossnet-authz.service", "crossnet-etcd.service");
    static final Path WANTS = Path.of("/etc/systemd/system/multi-user.target.wants");
    static final Path CNI_BUILT = Path.of("target/cni/crossnet");
    static final Path CNI_ARCHIVE = Path.of("/usr/lib/cni/crossnet.jsa");

    static Path deb;
    static final List<Path[]> movedAside = new ArrayList<>();
    static MachineLock packages;

    @BeforeAll
    static void findPackage_andSetAsideThisMachinesState() throws IOException {
        packages = MachineLock.take(MachineLock.PACKAGES);
        deb = builtPackage();
        assumeFalse(installed(), "a crossnet package is installed on this machine; not replacing it");
        for (Path p : OWNED_STATE) {
            if (Files.exists(p)) {
                Path aside = p.resolveSibling(p.getFileName() + ".deb-it-saved");
                Files.move(p, aside);
                movedAside.add(new Path[] {p, aside});
            }
        }
    }

    /** The .deb {@code mvn package} built, as an absolute path. */
    static Path builtPackage() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("target"))) {
            return s.filter(p -> p.getFileName().toString().matches("crossnet_.+_all\\.deb")).findFirst()
                    .orElseThrow(() -> new AssertionError("no target/crossnet_*_all.deb: `mvn package` builds it"))
                    .toAbsolutePath();
        }
    }

    @AfterAll
    static void purgeAndRestore() throws IOException {
        try {
            if (installed()) {
                Shell.run(120, "dpkg", "--purge", "crossnet");
            }
            for (Path[] m : movedAside) {
                Shell.run(30, "rm", "-rf", m[0].toString());
                Files.move(m[1], m[0]);
            }
        } finally {
            if (packages != null) {
                packages.close();
            }
        }
    }

    static boolean installed() {
        return Shell.run(30, "dpkg-query", "-W", "-f=${Status}", "crossnet").output().contains("ok installed");
    }

    static String dpkg(String... args) {
        List<String> cmd = new ArrayList<>(List.of("dpkg"));
        cmd.addAll(List.of(args));
        Shell.Result r = Shell.run(300, cmd.toArray(String[]::new));
        assertThat(r.exit()).as(String.join(" ", cmd) + ":\n" + r.output()).isZero();
        return r.output();
    }

    @Test
    void packageMetadataAndContents() throws IOException {
        String info = Shell.ok("dpkg-deb", "--field", deb.toString(), "Package", "Architecture", "Depends", "Version");
        assertThat(info).contains("Package: crossnet", "Architecture: all")
                .containsPattern("Depends: .*openjdk-17-jre-headless")
                .containsPattern("Depends: .*etcd-server").containsPattern("Depends: .*iproute2")
                .containsPattern("Depends: .*iptables");
        String control = Shell.ok("dpkg-deb", "--info", deb.toString());
        assertThat(control).contains("postinst", "prerm", "postrm");

        List<String> lines = Shell.ok("dpkg-deb", "--contents", deb.toString()).lines().toList();
        List<String> files = lines.stream().map(l -> l.substring(l.indexOf("./") + 1)).toList();
        assertThat(lines).anyMatch(l -> l.startsWith("-rwxr-xr-x root/root") && l.endsWith(" ./usr/bin/crossnet"));
        assertThat(files).contains("/usr/share/crossnet/crossnet.jar");
        for (String unit : UNITS) {
            assertThat(files).contains("/lib/systemd/system/" + unit);
        }
        assertThat(files).as("Debian's etcd.service is never shipped").noneMatch(f -> f.endsWith("/etcd.service"));
        try (Stream<Path> libs = Files.list(Path.of("target/lib"))) {
            for (Path lib : libs.toList()) {
                assertThat(files).contains("/usr/share/crossnet/lib/" + lib.getFileName());
            }
        }
        if (Files.exists(CNI_BUILT)) {
            assertThat(lines).anyMatch(l -> l.startsWith("-rwxr-xr-x") && l.endsWith(" ./usr/lib/cni/crossnet"));
            assertThat(files).as("the archive is made on the machine, for its JDK").doesNotContain(CNI_ARCHIVE.toString());
            assertThat(control).as("a JDK update makes it again").contains("triggers");
            assertThat(Shell.ok("dpkg-deb", "--info", deb.toString(), "triggers")).contains("interest-noawait /usr/lib/jvm");
        }
    }

    @Test
    void installStartsNothing_upgradeKeepsSettings_removeKeepsThem_purgeLeavesNothing(@TempDir Path tmp) throws IOException {
        List<String> systemdBefore = tree(Path.of("/etc/systemd/system"));

        dpkg("--install", olderVersion(tmp).toString());
        assertThat(Shell.ok("dpkg-query", "-W", "-f=${Version}", "crossnet")).isEqualTo("0.0.1");
        assertThat(tree(Path.of("/etc/systemd/system"))).as("installing enables nothing").isEqualTo(systemdBefore);
        for (Path p : OWNED_STATE) {
            assertThat(p).as("installing writes no settings").doesNotExist();
        }

        // What `crossnet init` leaves: settings, state, and the units enabled.
        Files.createDirectories(Path.of("/etc/crossnet"));
        Files.writeString(Path.of("/etc/crossnet/agent.env"), "CROSSNET_AGENT_ARGS=--docker-plugin\n");
        Files.createDirectories(Path.of("/var/lib/crossnet/etcd"));
        for (String unit : UNITS) {
            Shell.Result enable = Shell.run(60, "systemctl", "enable", unit);
            assertThat(enable.exit()).as(enable.output()).isZero();
            assertThat(WANTS.resolve(unit)).isSymbolicLink();
        }

        dpkg("--install", deb.toString());
        assertThat(Shell.ok("dpkg-query", "-W", "-f=${Version}", "crossnet")).as("upgraded").isNotEqualTo("0.0.1");
        Shell.Result version = Shell.run(120, "/usr/bin/crossnet", "version");
        assertThat(version.exit()).as(version.output()).isZero();
        assertThat(version.output()).startsWith("crossnet ");
        if (Files.exists(CNI_BUILT)) {
            assertCniArchiveUsable();
        }
        Shell.Result verify = Shell.run(120, "systemd-analyze", "verify", "/lib/systemd/system/crossnet-agent.service",
                "/lib/systemd/system/crossnet-authz.service", "/lib/systemd/system/crossnet-etcd.service");
        assertThat(verify.exit()).as(verify.output()).isZero();
        assertThat(verify.output()).as("unit warnings").doesNotContain("crossnet-");
        assertThat(Path.of("/etc/crossnet/agent.env")).as("an upgrade keeps settings").hasContent("CROSSNET_AGENT_ARGS=--docker-plugin");
        assertThat(Path.of("/var/lib/crossnet/etcd")).as("and state").isDirectory();
        for (String unit : UNITS) {
            assertThat(WANTS.resolve(unit)).as("an upgrade keeps units enabled").isSymbolicLink();
        }

        dpkg("--remove", "crossnet");
        assertThat(Path.of("/usr/bin/crossnet")).doesNotExist();
        assertThat(Path.of("/usr/share/crossnet")).doesNotExist();
        assertThat(CNI_ARCHIVE).as("the archive goes with the jar").doesNotExist();
        for (String unit : UNITS) {
            assertThat(Path.of("/lib/systemd/system/" + unit)).doesNotExist();
        }
        assertThat(tree(Path.of("/etc/systemd/system"))).as("removing drops the links init made").isEqualTo(systemdBefore);
        assertThat(Path.of("/etc/crossnet/agent.env")).as("remove keeps settings for a reinstall").exists();

        dpkg("--purge", "crossnet");
        assertThat(Shell.run(30, "dpkg-query", "-W", "crossnet").exit()).as("dpkg forgot the package").isNotZero();
        for (Path p : OWNED_STATE) {
            assertThat(p).as("purge removes it").doesNotExist();
        }
        assertThat(tree(Path.of("/etc/systemd/system"))).isEqualTo(systemdBefore);
    }

    @Test
    void freshInstall_thenPurgeStraightAway_leavesNothing() throws IOException {
        dpkg("--install", deb.toString());
        if (Files.exists(CNI_BUILT)) {
            assertCniArchiveUsable();
            Files.delete(CNI_ARCHIVE);
            // What a JDK package's files changing under /usr/lib/jvm does: dpkg runs crossnet's postinst with "triggered".
            Shell.ok("dpkg-trigger", "--no-await", "/usr/lib/jvm");
            dpkg("--triggers-only", "crossnet");
            assertCniArchiveUsable();
        }
        for (String unit : UNITS) {
            assertThat(Path.of("/lib/systemd/system/" + unit)).isRegularFile();
        }
        Files.createDirectories(Path.of("/etc/crossnet"));
        Files.writeString(Path.of("/etc/crossnet/etcd.env"), "ETCD_NAME=h1\n");
        dpkg("--purge", "crossnet");
        assertThat(installed()).isFalse();
        assertThat(Path.of("/usr/bin/crossnet")).doesNotExist();
        assertThat(CNI_ARCHIVE).doesNotExist();
        assertThat(Path.of("/etc/crossnet")).doesNotExist();
    }

    /**
     * postinst made the CNI plugin's class-data archive, and the JVM maps it: {@code -Xshare:on} makes
     * a JVM that cannot use the archive (wrong jar, wrong JDK, corrupt) refuse to start.
     */
    static void assertCniArchiveUsable() {
        assertThat(CNI_ARCHIVE).as("postinst made it").isRegularFile();
        Shell.Result r = Shell.run(120, "java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-XX:-UsePerfData",
                "-Xshare:on", "-XX:SharedArchiveFile=" + CNI_ARCHIVE, "-cp", "/usr/share/crossnet/crossnet.jar", "-version");
        assertThat(r.exit()).as("the JVM uses " + CNI_ARCHIVE + ":\n" + r.output()).isZero();
    }

    /** The same package as version 0.0.1, to upgrade from. */
    static Path olderVersion(Path tmp) throws IOException {
        Path tree = tmp.resolve("older");
        Shell.ok("dpkg-deb", "--raw-extract", deb.toString(), tree.toString());
        Path control = tree.resolve("DEBIAN/control");
        Files.writeString(control, Files.readString(control).replaceFirst("(?m)^Version: .*$", "Version: 0.0.1"));
        Path out = tmp.resolve("crossnet_0.0.1_all.deb");
        Shell.Result r = Shell.run(300, "dpkg-deb", "-Zgzip", "-z1", "--root-owner-group", "--build", tree.toString(), out.toString());
        assertThat(r.exit()).as(r.output()).isZero();
        return out;
    }

    /** Every path under {@code root}, with a link's target: what enabling or disabling a unit changes. */
    static List<String> tree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.map(p -> {
                try {
                    return Files.isSymbolicLink(p) ? p + " -> " + Files.readSymbolicLink(p) : p.toString();
                } catch (IOException e) {
                    return p + " (unreadable)";
                }
            }).sorted().toList();
        }
    }
}
