package dev.crossnet.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import dev.crossnet.model.Subnet;
import org.junit.jupiter.api.Test;

class LabNamesTest {

    @Test
    void namespaces_carryTheLabPrefix() {
        LabNames n = new LabNames("cnlab");
        assertThat(n.underlayNs()).isEqualTo("cnlab-ul");
        assertThat(n.hostNs(1)).isEqualTo("cnlab-h1");
        assertThat(n.containerNs(12, 3)).isEqualTo("cnlab-h12-c3");
        assertThat(n.nsOf(new LabNames.Ref(2, 0))).isEqualTo("cnlab-h2");
        assertThat(n.nsOf(new LabNames.Ref(2, 1))).isEqualTo("cnlab-h2-c1");
    }

    @Test
    void nsPrefix_ofOneLab_neverMatchesAnotherLabsNamespaces() {
        assertThat(new LabNames("cnt12").hostNs(1)).doesNotStartWith(new LabNames("cnt1").nsPrefix());
        assertThat(new LabNames("cnt1").hostNs(1)).startsWith(new LabNames("cnt1").nsPrefix());
    }

    @Test
    void interfaceNames_fitTheKernelLimitAtTheLargestIndex() {
        assertThat(LabNames.underlayPort(LabNames.MAX_HOSTS)).hasSizeLessThanOrEqualTo(15);
        assertThat(LabNames.containerPort(253)).hasSizeLessThanOrEqualTo(15);
        assertThat(LabNames.HOST_BRIDGE).hasSizeLessThanOrEqualTo(15);
    }

    @Test
    void checkLabName_rejectsDashesUpperCaseAndLongNames() {
        for (String bad : new String[] {"", "a-b", "Lab", "1lab", "abcdefghijklm", null}) {
            assertThatThrownBy(() -> LabNames.checkLabName(bad)).isInstanceOf(CrossnetException.class)
                    .hasMessageStartingWith("--name:");
        }
        assertThat(LabNames.checkLabName("cnt7f3a")).isEqualTo("cnt7f3a");
    }

    @Test
    void addressPlan_hostsAfterTheBridgeAndContainersAfterTheGateway() {
        assertThat(LabNames.underlayGateway().toCanonicalString()).isEqualTo("172.30.0.1");
        assertThat(LabNames.hostUnderlayIp(1).toCanonicalString()).isEqualTo("172.30.0.11");
        assertThat(LabNames.hostUnderlayIp(200).toCanonicalString()).isEqualTo("172.30.0.210");
        assertThatThrownBy(() -> LabNames.hostUnderlayIp(201)).isInstanceOf(IllegalArgumentException.class);
        Subnet s = Subnet.parse("10.5.34.0/24");
        assertThat(LabNames.containerIp(s, 1).toCanonicalString()).isEqualTo("10.5.34.2");
        assertThat(LabNames.containerIp(s, 2).toCanonicalString()).isEqualTo("10.5.34.3");
        assertThat(LabNames.maxContainers(24)).isEqualTo(253);
        assertThat(LabNames.maxContainers(28)).isEqualTo(13);
    }

    @Test
    void parseRef_acceptsHostsAndContainersOnly() {
        assertThat(LabNames.parseRef("h3")).contains(new LabNames.Ref(3, 0));
        assertThat(LabNames.parseRef("h3-c2")).contains(new LabNames.Ref(3, 2));
        assertThat(LabNames.parseRef("h3-c2").orElseThrow()).hasToString("h3-c2");
        for (String bad : new String[] {"h0", "h1-c0", "x1", "h1-", "h01", "cnlab-h1", "", "h1-c1-c1"}) {
            assertThat(LabNames.parseRef(bad)).as(bad).isEmpty();
        }
    }
}
