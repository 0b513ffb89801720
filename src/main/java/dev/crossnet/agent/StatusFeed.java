package dev.crossnet.agent;

import dev.crossnet.ProblemLog;
import dev.crossnet.probe.OverlayProbe;
import dev.crossnet.probe.PeerProbes;
import dev.crossnet.probe.ProbeTarget;
import dev.crossnet.status.ClusterStatus;
import dev.crossnet.status.HostReport;
import dev.crossnet.status.HostReporter;
import dev.crossnet.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * This host's part of {@code crossnet status}: the {@link OverlayProbe} over the agent's lease and peers, and the
 * {@link HostReporter} that keeps this host's {@link HostReport} (backend, mode, probed peers, current problems of
 * every {@link ProblemLog} of the process) in the store. A problem's "since" is when this feed first saw it in its
 * current form. Start after {@link Agent#start()}. Thread-safe.
 */
final class StatusFeed implements AutoCloseable {
    private final Agent agent;
    private final String hostName;
    private final Clock clock;
    private final Supplier<List<ProblemLog.Problem>> problems;
    private final Map<ProblemLog.Problem, Instant> firstSeen = new HashMap<>(); // guarded by this
    private OverlayProbe probe;
    private HostReporter reporter;

    StatusFeed(Agent agent, String hostName, Clock clock, Supplier<List<ProblemLog.Problem>> problems) {
        this.agent = agent;
        this.hostName = hostName;
        this.clock = clock;
        this.problems = problems;
    }

    /** Probes and reports for {@code agent}, which has started. Never throws for a store or socket failure (retried). */
    static StatusFeed start(Agent agent, Store store, String hostName, Clock clock) {
        StatusFeed f = new StatusFeed(agent, hostName, clock, ProblemLog::everyProblem);
        f.probe = OverlayProbe.start(() -> {
            Agent.Overlay o = agent.overlay();
            return o == null ? null : ProbeTarget.of(o.own());
        }, () -> {
            Agent.Overlay o = agent.overlay();
            return o == null ? List.of() : ProbeTarget.of(o.peers());
        }, agent.config().network());
        f.reporter = HostReporter.start(store, hostName, () -> new HostReporter.Sketch(f.says(f.probe.sketch()), f.probe.answers()),
                () -> f.report(f.probe.results()), clock);
        return f;
    }

    /**
     * What {@link #report} says apart from RTTs and times, with {@code reach} as its peers: equal values for equal
     * {@link HostReport#sketch()}es, taken every reporter tick without building the report.
     */
    record Says(String publicIp, String subnet, String backend, Map<String, String> mode, PeerProbes.Sketch peers,
                List<ProblemLog.Problem> problems) {
    }

    /** What this host's report says now, with {@code reach} as its peers (see {@link Says}). */
    Says says(PeerProbes.Sketch reach) {
        Agent.Overlay o = agent.overlay();
        return new Says(o == null ? null : o.own().attrs().publicIp(), o == null ? null : o.own().subnet().toString(),
                agent.config().backend().type().wire(), agent.backendSettings(), reach, List.copyOf(problems.get()));
    }

    /** This host's report now, with {@code reach} as its peers. */
    synchronized HostReport report(List<PeerProbes.Reach> reach) {
        Agent.Overlay o = agent.overlay();
        List<ClusterStatus.Peer> peers = new ArrayList<>();
        for (PeerProbes.Reach r : reach) {
            // Named by PublicIP here; the reader puts the host name in.
            peers.add(new ClusterStatus.Peer(r.publicIp(), r.publicIp(), r.subnet(), r.reachable(), r.rttMs(),
                    r.lastProbe() == null ? null : r.lastProbe().toString()));
        }
        List<ProblemLog.Problem> now = problems.get();
        firstSeen.keySet().retainAll(now);
        Instant t = clock.instant();
        List<ClusterStatus.Problem> errors = new ArrayList<>();
        for (ProblemLog.Problem p : now) {
            Instant since = firstSeen.computeIfAbsent(p, k -> t);
            errors.add(new ClusterStatus.Problem(p.kind(), p.object(), p.message(), since.toString()));
        }
        return new HostReport(hostName, o == null ? null : o.own().attrs().publicIp(), o == null ? null : o.own().subnet().toString(),
                agent.config().backend().type().wire(), agent.backendSettings(), peers, errors, null);
    }

    /** Stops probing and deletes the report. Idempotent. */
    @Override
    public void close() {
        if (reporter != null) {
            reporter.close();
        }
        if (probe != null) {
            probe.close();
        }
    }
}
