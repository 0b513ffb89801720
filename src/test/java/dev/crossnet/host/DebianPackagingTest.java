package dev.crossnet.host;

import dev.crossnet.cluster.Services;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.testing.Shell;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packaging sources in src/deb, before any .deb exists (DebPackageIT installs the built one): the
 * units are the ones {@link Services} names, the scripts parse, and no command or unit names Debian's
 * etcd.service.
 */
class DebianPackagingTest {
    static final Path DEB = Path.of("src/deb");
    static final List<String> SCRIPTS = List.of("postinst", "prerm", "postrm");

    @Test
    void theUnitsShippedAreExactlyTheOnesServicesNames() throws IOException {
        try (Stream<Path> s = Files.list(DEB.resolve("systemd"))) {
            assertThat(s.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(Arrays.stream(Services.Service.values()).map(Services.Service::unit).toArray(String[]::new));
        }
    }

    @Test
    void maintainerScriptsParse_andAreExecutable() {
        for (String script : SCRIPTS) {
            Path p = DEB.resolve("control").resolve(script);
            assertThat(p).isExecutable();
            Shell.Result r = Shell.run(30, "sh", "-n", p.toString());
            assertThat(r.exit()).as(script + ": " + r.output()).isZero();
        }
    }

    @Test
    void nothingTouchesDebiansEtcdService() throws IOException {
        Pattern debians = Pattern.compile("(?<!crossnet-)\\betcd\\.service");
        try (Stream<Path> s = Files.walk(DEB)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                String text = Files.readString(f).replaceAll("(?m)^\\s*#.*$", "");  // comments may name it
                assertThat(debians.matcher(text).find()).as(f.toString()).isFalse();
            }
        }
    }

    @Test
    void controlDependsOnWhatTheUnitsRun() throws IOException {
        String control = Files.readString(DEB.resolve("control/control"));
        assertThat(control).containsPattern("(?m)^Depends: openjdk-17-jre-headless, etcd-server, iproute2, iptables$");
        assertThat(Files.readString(DEB.resolve("systemd").resolve(Services.Service.ETCD.unit()))).contains("ExecStart=/usr/bin/etcd\n");
        assertThat(Files.readString(DEB.resolve("systemd").resolve(Services.Service.AGENT.unit()))).contains("ExecStart=/usr/bin/crossnet agent ");
    }

    /** Found running them under systemd (SystemdHostIT): without it, every stop left the unit "failed". */
    @Test
    void unitsRunningAJvm_countItsSigtermExitAsAStop() throws IOException {
        try (Stream<Path> s = Files.list(DEB.resolve("systemd"))) {
            for (Path unit : s.toList()) {
                String text = Files.readString(unit);
                if (text.contains("ExecStart=/usr/bin/crossnet ")) {
                    assertThat(text).as(unit.toString()).containsPattern("(?m)^SuccessExitStatus=143$");
                }
            }
        }
    }
}
