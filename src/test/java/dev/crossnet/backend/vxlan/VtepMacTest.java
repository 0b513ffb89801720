package dev.crossnet.backend.vxlan;

import static org.assertj.core.api.Assertions.assertThat;

import inet.ipaddr.IPAddressString;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VtepMacTest {

    @Test
    void derive_sameIpAndVni_sameMacEveryTime() {
        var ip = new IPAddressString("192.168.9.2").getAddress();
        assertThat(VtepMac.derive(ip, 1)).isEqualTo(VtepMac.derive(new IPAddressString("192.168.9.2").getAddress(), 1));
    }

    @Test
    void derive_manyHosts_allLocallyAdministeredUnicastAndDistinct() {
        Set<String> seen = new HashSet<>();
        for (int i = 1; i < 255; i++) {
            for (int vni = 1; vni <= 3; vni++) {
                String mac = VtepMac.derive(new IPAddressString("10.0.0." + i).getAddress(), vni);
                int first = Integer.parseInt(mac.substring(0, 2), 16);
                assertThat(first & 0x01).as("unicast bit of %s", mac).isZero();
                assertThat(first & 0x02).as("locally administered bit of %s", mac).isEqualTo(2);
                assertThat(mac).matches("[0-9a-f]{2}(:[0-9a-f]{2}){5}");
                seen.add(mac);
            }
        }
        assertThat(seen).hasSize(254 * 3);
    }
}
