package dev.crossnet.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NettyDefaultsTest {
    private static final String ARENAS = "io.netty.allocator.numDirectArenas";
    private static final String ORDER = "io.netty.allocator.maxOrder";
    private final String arenas = System.getProperty(ARENAS);
    private final String order = System.getProperty(ORDER);

    @AfterEach
    void restore() {
        put(ARENAS, arenas);
        put(ORDER, order);
    }

    private static void put(String k, String v) {
        if (v == null) {
            System.clearProperty(k);
        } else {
            System.setProperty(k, v);
        }
    }

    @Test
    void apply_setsTheSmallAllocator_butKeepsWhatTheCommandLineSet() {
        System.clearProperty(ARENAS);
        System.setProperty(ORDER, "9");
        NettyDefaults.apply();
        assertThat(System.getProperty(ARENAS)).isEqualTo("1");
        assertThat(System.getProperty(ORDER)).isEqualTo("9");
    }
}
