package dev.crossnet.status;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Map;

/**
 * What one host's agent reports about itself, stored under {@code /crossnet/cluster/status/<host>} with a TTL
 * ({@link HostReporter}): its lease, backend and mode, the peers it probed over the overlay, and what it currently
 * fails to do. Unknown fields are skipped on read, so a newer agent's report still reads. Immutable.
 *
 * @param at when it was written (ISO-8601), set by the reporter
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record HostReport(String host, String publicIp, String subnet, String backend, Map<String, String> mode,
                         List<ClusterStatus.Peer> peers, List<ClusterStatus.Problem> errors, String at) {
    /** Where the reports are, one key per host. */
    public static final String PREFIX = "/crossnet/cluster/status/";

    public HostReport {
        mode = mode == null ? Map.of() : Map.copyOf(mode);
        peers = peers == null ? List.of() : List.copyOf(peers);
        errors = errors == null ? List.of() : List.copyOf(errors);
    }

    /** The same report written at {@code time}. */
    public HostReport at(String time) {
        return new HostReport(host, publicIp, subnet, backend, mode, peers, errors, time);
    }

    /**
     * This report without what changes on every probe (RTTs, probe times, the write time): two reports with the
     * same sketch say the same thing to a reader that only wants to know who is reachable and what fails.
     */
    HostReport sketch() {
        List<ClusterStatus.Peer> p = peers.stream()
                .map(x -> new ClusterStatus.Peer(x.name(), x.publicIp(), x.subnet(), x.reachable(), null, null)).toList();
        return new HostReport(host, publicIp, subnet, backend, mode, p, errors, null);
    }
}
