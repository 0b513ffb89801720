package dev.crossnet.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import dev.crossnet.model.BackendConfig;
import dev.crossnet.model.NetworkConfig;
import org.junit.jupiter.api.Test;

class LabOptionsTest {

    @Test
    void configJson_default_isFlannelsVxlanExample() {
        assertThat(LabOptions.defaults().configJson()).isEqualTo("{\"Network\":\"10.5.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}");
        NetworkConfig c = LabOptions.defaults().withBackend(BackendConfig.Type.HOST_GW).validate();
        assertThat(c.backend().type()).isEqualTo(BackendConfig.Type.HOST_GW);
    }

    @Test
    void validate_hostsOutOfRange_namesTheOption() {
        assertThatThrownBy(() -> LabOptions.defaults().withHosts(0).validate()).hasMessage("--hosts: 0 is out of range 1-200");
        assertThatThrownBy(() -> LabOptions.defaults().withHosts(201).validate()).hasMessage("--hosts: 201 is out of range 1-200");
        assertThat(LabOptions.defaults().withHosts(200).validate()).isNotNull();
    }

    @Test
    void validate_badNetwork_namesTheOption() {
        assertThatThrownBy(() -> LabOptions.defaults().withNetwork("10.5.0.1/16").validate())
                .isInstanceOf(CrossnetException.class).hasMessageStartingWith("--network:").hasMessageContaining("10.5.0.0/16");
        assertThatThrownBy(() -> LabOptions.defaults().withNetwork("172.30.0.0/16").validate())
                .hasMessageContaining("overlaps the lab's underlay");
        assertThatThrownBy(() -> LabOptions.defaults().withNetwork("10.5.0.0/26").withHosts(4).validate())
                .hasMessage("--network: 10.5.0.0/26 holds 3 host subnets of /28, fewer than --hosts 4");
    }

    @Test
    void validate_tooManyContainersForTheHostSubnet_namesTheOption() {
        assertThatThrownBy(() -> LabOptions.defaults().withContainersPerHost(254).validate())
                .hasMessageStartingWith("--containers-per-host: 254");
        assertThatThrownBy(() -> LabOptions.defaults().withContainersPerHost(-1).validate())
                .hasMessageStartingWith("--containers-per-host: -1");
        assertThat(LabOptions.defaults().withContainersPerHost(253).validate()).isNotNull();
    }

    @Test
    void agentArgs_carryIpMasqAndLeaseTtl_andATooShortTtlIsRefused() {
        assertThat(LabOptions.defaults().agentArgs()).isEmpty();
        assertThat(LabOptions.defaults().withIpMasq(true).withLeaseTtl(java.time.Duration.ofSeconds(6)).agentArgs())
                .containsExactly("--ip-masq", "--subnet-lease-ttl", "6000ms");
        assertThatThrownBy(() -> LabOptions.defaults().withLeaseTtl(java.time.Duration.ofMillis(1500)).validate())
                .hasMessageStartingWith("--subnet-lease-ttl: 1500ms is too short");
    }

    @Test
    void labDir_isUnderTheStateRoot() {
        assertThat(LabOptions.defaults().withName("cnt1").labDir()).hasToString("/run/crossnet/lab/cnt1");
    }

    @Test
    void validate_encryptWithoutUdpOrCluster_namesTheOption() {
        assertThatThrownBy(() -> LabOptions.defaults().withEncrypt(true).withStore(LabOptions.StoreKind.CLUSTER).validate())
                .hasMessageStartingWith("--encrypt: only the udp backend encrypts");
        assertThatThrownBy(() -> LabOptions.defaults().withEncrypt(true).withBackend(dev.crossnet.model.BackendConfig.Type.UDP).validate())
                .hasMessageStartingWith("--encrypt: the hosts' seal keys are certified by the cluster CA");
    }

    @Test
    void configJson_encrypt_asksTheUdpBackendToEncrypt() {
        LabOptions o = LabOptions.defaults().withEncrypt(true).withBackend(dev.crossnet.model.BackendConfig.Type.UDP)
                .withStore(LabOptions.StoreKind.CLUSTER);
        assertThat(o.validate().backend().encrypt()).isTrue();
        assertThat(o.configJson()).contains("\"Encrypt\":true");
    }
}
