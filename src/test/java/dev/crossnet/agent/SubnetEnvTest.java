package dev.crossnet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.model.Subnet;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubnetEnvTest {
    @TempDir
    Path dir;

    final SubnetEnv env = new SubnetEnv(Subnet.parse("10.5.0.0/16"), Subnet.parse("10.5.34.0/24"), 1450, true);

    @Test
    void render_matchesFlannel() {
        assertThat(env.render()).isEqualTo("FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.34.1/24\n"
                + "FLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n");
    }

    @Test
    void dockerOpts_matchMkDockerOpts_withInverseMasq() {
        assertThat(env.renderDockerOpts()).isEqualTo("DOCKER_OPT_BIP=\"--bip=10.5.34.1/24\"\n"
                + "DOCKER_OPT_IPMASQ=\"--ip-masq=false\"\n"
                + "DOCKER_OPT_MTU=\"--mtu=1450\"\n"
                + "DOCKER_NETWORK_OPTIONS=\" --bip=10.5.34.1/24 --ip-masq=false --mtu=1450\"\n");
    }

    @Test
    void write_thenReadBackThePreviousSubnet() {
        Path f = dir.resolve("run/crossnet/subnet.env");
        env.write(f, dir.resolve("run/crossnet/docker"));
        assertThat(SubnetEnv.previousSubnet(f)).isEqualTo(Subnet.parse("10.5.34.0/24"));
        assertThat(SubnetEnv.readVars(dir.resolve("run/crossnet/docker")).get("DOCKER_OPT_BIP")).isEqualTo("--bip=10.5.34.1/24");
        assertThat(SubnetEnv.previousSubnet(dir.resolve("absent"))).isNull();
    }

    @Test
    void checkWritable_directoryInTheWay_namesTheOption() throws Exception {
        Path f = dir.resolve("env");
        Files.createDirectories(f);
        assertThatThrownBy(() -> AtomicFiles.checkWritable(f, "--subnet-file"))
                .hasMessage("--subnet-file: cannot write " + f + ": it is a directory");
    }

    @Test
    void checkWritable_parentIsAFile_failsWithoutWriting() throws Exception {
        Path blocker = dir.resolve("blocker");
        Files.writeString(blocker, "x");
        assertThatThrownBy(() -> AtomicFiles.checkWritable(blocker.resolve("subnet.env"), "--subnet-file"))
                .hasMessageStartingWith("--subnet-file: cannot write " + blocker.resolve("subnet.env"));
        assertThat(Files.readString(blocker)).isEqualTo("x");
    }
}
