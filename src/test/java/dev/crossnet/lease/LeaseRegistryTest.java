package dev.crossnet.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.store.sqlite.SqliteStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How lease values written by others (flanneld, etcdctl) are read. */
class LeaseRegistryTest {

    @TempDir
    Path dir;
    SqliteStore store;
    LeaseRegistry registry;

    @BeforeEach
    void setUp() {
        store = new SqliteStore(dir.resolve("store.db"), Clock.systemUTC(), Duration.ofMillis(10));
        registry = new LeaseRegistry(store, "/coreos.com/network");
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private void write(String subnetKey, String value) {
        store.put(registry.subnetsPrefix() + subnetKey, value, null);
    }

    @Test
    void leases_flanneldUdpLease_keepsPublicIpAndNoBackendType() {
        write("172.31.7.0-24", "{\"PublicIP\":\"10.203.0.1\",\"PublicIPv6\":null}");

        assertThat(registry.leases().leases()).singleElement().satisfies(l -> {
            assertThat(l.subnet()).isEqualTo(Subnet.parse("172.31.7.0/24"));
            assertThat(l.attrs()).isEqualTo(new LeaseAttrs("10.203.0.1", null, null));
        });
    }

    /** A value of JSON null used to give a lease with null attrs, and acquire() threw a NullPointerException on it. */
    @Test
    void leases_valueJsonNull_holdsItsSubnetWithEmptyAttrs() {
        registry.setConfig(NetworkConfig.parse("{\"Network\":\"10.5.0.0/28\",\"SubnetLen\":30}"));
        write("10.5.0.4-30", "null");

        assertThat(registry.leases().leases()).singleElement()
                .extracting(Lease::attrs).isEqualTo(new LeaseAttrs(null, null, null));
        Lease got = new SubnetManager(registry, new Random(1))
                .acquire(new LeaseAttrs("192.0.2.1", "udp", null), Duration.ofHours(1), null);
        assertThat(got.subnet()).isIn(Subnet.parse("10.5.0.8/30"), Subnet.parse("10.5.0.12/30"));
    }
}
