package dev.crossnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link Main} tells Jetty the cache-line layout, so Jetty never starts the JDK's JMX layer to find it out. */
class MainJettyTest {

    @Test
    void jetty_toldTheCacheLineLayout_soItNeverAsksJmx() {
        CliRun.of("version");
        assertThat(System.getProperty(Main.JETTY_REFERENCES_PER_CACHE_LINE)).isEqualTo("16"); // the tests' heap: compressed pointers
    }
}
