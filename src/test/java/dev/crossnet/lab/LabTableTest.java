package dev.crossnet.lab;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.lab.LabState.ContainerState;
import java.util.List;
import org.junit.jupiter.api.Test;

class LabTableTest {

    @Test
    void render_oneLinePerContainer_hostColumnsOnItsFirstLine() {
        LabStatus s = new LabStatus("cnlab", "vxlan", "10.5.0.0/16", "file:x", List.of(
                new LabStatus.HostStatus("h1", "cnlab-h1", "172.30.0.11", 4242, true, true, "10.5.34.0/24", 1450, List.of(
                        new ContainerState("h1-c1", "cnlab-h1-c1", "10.5.34.2"),
                        new ContainerState("h1-c2", "cnlab-h1-c2", "10.5.34.3"))),
                new LabStatus.HostStatus("h2", "cnlab-h2", "172.30.0.12", 4243, false, false, null, 0, List.of()),
                new LabStatus.HostStatus("h10", "cnlab-h10", "172.30.0.20", 0, false, false, null, 0, List.of())));
        assertThat(LabTable.render(s)).isEqualTo(""
                + "HOST  UNDERLAY     SUBNET        AGENT       CONTAINER  IP\n"
                + "h1    172.30.0.11  10.5.34.0/24  4242 ready  h1-c1      10.5.34.2\n"
                + "                                             h1-c2      10.5.34.3\n"
                + "h2    172.30.0.12  -             4243 dead   -          -\n"
                + "h10   172.30.0.20  -             -           -          -\n");
    }

    @Test
    void agentText_aliveButNotReady_saysSo() {
        var h = new LabStatus.HostStatus("h1", "n", "ip", 5, true, false, null, 0, List.of());
        assertThat(h.agentText()).isEqualTo("5 not ready");
    }
}
