package dev.crossnet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TunnelBenchTest {
    @Test
    void cpuTicks_commandNameWithSpacesAndParentheses_sumsUtimeAndStime() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
        String stat = "4242 (wire guard) (x)) S 1 4242 4242 0 -1 4194560 120 0 0 0 1234 567 89 10 20 0 9 0 100 0\n";
        assertThat(TunnelBench.cpuTicks(stat)).isEqualTo(1234 + 567);
    }
}
