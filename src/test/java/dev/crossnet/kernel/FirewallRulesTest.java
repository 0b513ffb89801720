package dev.crossnet.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.model.Subnet;
import org.junit.jupiter.api.Test;

class FirewallRulesTest {

    @Test
    void masquerade_overlayToOverlayReturnsBeforeAnyMasquerade() {
        assertThat(FirewallRules.masquerade(Subnet.parse("10.5.0.0/16"), Subnet.parse("10.5.1.0/24"))).containsExactly(
                "-s 10.5.0.0/16 -d 10.5.0.0/16 -j RETURN",
                "-s 10.5.0.0/16 ! -d 224.0.0.0/4 -j MASQUERADE --random-fully",
                "! -s 10.5.0.0/16 -d 10.5.1.0/24 -j RETURN",
                "! -s 10.5.0.0/16 -d 10.5.0.0/16 -j MASQUERADE --random-fully");
    }

    @Test
    void forward_acceptsFromAndToNetwork() {
        assertThat(FirewallRules.forward(Subnet.parse("10.5.0.0/16")))
                .containsExactly("-s 10.5.0.0/16 -j ACCEPT", "-d 10.5.0.0/16 -j ACCEPT");
    }
}
