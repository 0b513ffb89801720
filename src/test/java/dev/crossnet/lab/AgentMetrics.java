package dev.crossnet.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A lab agent's {@code /metrics} and the counters the encryption ITs read from it. Stateless. */
public final class AgentMetrics {
    private AgentMetrics() {
    }

    /** The metrics text of {@code host}'s agent (served on loopback in the host's namespace). */
    public static String scrape(Lab lab, String host) {
        Lab.ExecResult r = lab.exec(host, Duration.ofSeconds(30), "curl", "-s", "127.0.0.1:" + Agents.HEALTHZ_PORT + "/metrics");
        assertThat(r.exit()).as(r.err()).isZero();
        return r.out();
    }

    /** The value of the series {@code series} (a regex of name and labels), or 0 if absent. */
    public static long counter(String text, String series) {
        Matcher m = Pattern.compile("^" + series + " (\\S+)$", Pattern.MULTILINE).matcher(text);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0; // the text format may write 1.5E7
    }

    /** {@code crossnet_seal_drops_total} for {@code reason} (a {@code SealDrop} label). */
    public static long sealDrops(String text, String reason) {
        return counter(text, "crossnet_seal_drops_total\\{reason=\"" + reason + "\"}");
    }

    /** Handshakes completed, both roles together. */
    public static long handshakes(String text) {
        long n = 0;
        Matcher m = Pattern.compile("^crossnet_seal_handshakes_total\\{role=\"\\w+\"} (\\S+)$", Pattern.MULTILINE).matcher(text);
        while (m.find()) {
            n += (long) Double.parseDouble(m.group(1));
        }
        return n;
    }
}
