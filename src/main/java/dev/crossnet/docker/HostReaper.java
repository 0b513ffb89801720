package dev.crossnet.docker;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.crossnet.ipam.StoreIpam;
import dev.crossnet.store.KeyValue;
import dev.crossnet.store.Store;
import dev.crossnet.store.StoreJson;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the Docker records of hosts that are gone for good: their endpoints, their attachments,
 * and their IPAM claims and container addresses ({@link StoreIpam#releaseHost}). Every host with
 * the Docker plugins runs one; they need no coordination.
 *
 * <p>How it works. A host is alive while its {@link HostPresence} record exists. Each {@link #pass}
 * lists the hosts that hold records and the hosts present; a host that holds records, is absent and
 * is not this one starts a clock here, and is reaped by the first pass that finds it absent for
 * {@code reapAfter} without a break. The clock is local (no two hosts' clocks are compared) and
 * starts at the first pass that sees the absence, so a reaper that just started waits the whole
 * grace period again. From a host's death to its reaping: up to one presence TTL for the record to
 * lapse, then {@code reapAfter}, then up to one pass.
 *
 * <p>Safety. This host's own records are never touched. The presence record is read once more
 * right before deleting. Every key is deleted with compare-and-delete at the revision listed, so
 * several reapers may run at once (each key is deleted by exactly one), and a key the host
 * rewrote meanwhile stays. Order: endpoints first, then attachments, then addresses, so an
 * address is free only once no endpoint record routes it to the dead host (peers drop their FDB
 * and neighbour entries when their store watch sees the endpoint deletes).
 *
 * <p>Blocking; thread-safe ({@link #pass} is serialised).
 */
public final class HostReaper {
    private static final Logger log = LoggerFactory.getLogger(HostReaper.class);

    /**
     * The presence TTL every host keeps its record alive with, and how long a host must be absent
     * before it is reaped.
     */
    public record Timing(Duration presenceTtl, Duration reapAfter) {
        /** A host is reaped only after missing at least this many presence TTLs in a row. */
        public static final int MIN_MISSED_TTLS = 3;
        /** Long enough for a host to reboot: 20 missed TTLs. */
        public static final Timing DEFAULT = new Timing(HostPresence.DEFAULT_TTL, Duration.ofMinutes(5));
    }

    /** What one pass removed of one host. */
    public record Reaped(String host, int endpoints, int attachments, int ipamKeys) {
    }

    record EndpointHost(@JsonProperty("Host") String host) {
    }

    private final Store store;
    private final DockerStore docker;
    private final StoreIpam ipam;
    private final String self;
    private final Duration reapAfter;
    private final Clock clock;
    private final Map<String, Instant> absentSince = new HashMap<>();

    /**
     * @param prefix    the store prefix, e.g. {@code /coreos.com/network}
     * @param self      this host's name: its records are never reaped
     * @param reapAfter how long a host must be seen absent before it is reaped; positive
     */
    public HostReaper(Store store, String prefix, String self, Duration reapAfter, Clock clock) {
        if (reapAfter.isZero() || reapAfter.isNegative()) {
            throw new IllegalArgumentException("reapAfter must be positive, not " + reapAfter);
        }
        this.store = store;
        this.docker = new DockerStore(store, prefix);
        this.ipam = new StoreIpam(store, prefix, self);
        this.self = self;
        this.reapAfter = reapAfter;
        this.clock = clock;
    }

    /**
     * Looks at every host once: starts the clock of hosts newly absent, forgets those back, and
     * reaps those absent for {@code reapAfter}. Idempotent.
     *
     * @return what this pass removed, one entry per host reaped
     */
    public synchronized List<Reaped> pass() {
        Instant now = clock.instant();
        Set<String> present = new TreeSet<>();
        for (KeyValue kv : store.list(docker.hostsPrefix(), false).items()) {
            present.add(kv.key().substring(docker.hostsPrefix().length()));
        }
        List<KeyValue> endpoints = store.list(docker.endpointsPrefix(), false).items();
        List<KeyValue> attachments = store.list(docker.attachmentsPrefix(), false).items();
        Set<String> holders = new TreeSet<>(ipam.hosts());
        endpoints.forEach(kv -> endpointHost(kv).ifPresent(holders::add));
        attachments.forEach(kv -> attachmentHost(kv).ifPresent(holders::add));
        holders.remove(self);
        holders.removeAll(present);
        absentSince.keySet().retainAll(holders);
        List<Reaped> out = new ArrayList<>();
        for (String host : holders) {
            Instant since = absentSince.computeIfAbsent(host, h -> {
                log.info("host {} holds Docker records but has no presence record; they are removed if it stays away for {}",
                        h, reapAfter);
                return now;
            });
            if (Duration.between(since, now).compareTo(reapAfter) < 0) {
                continue;
            }
            if (store.get(docker.hostsPrefix() + host).isPresent()) {
                absentSince.remove(host); // back just now
                continue;
            }
            Reaped r = reap(host, endpoints, attachments);
            absentSince.remove(host);
            out.add(r);
            log.warn("host {} has had no presence record for {}: removed its {} endpoints, {} attachments and {} IPAM keys",
                    host, Duration.between(since, now), r.endpoints(), r.attachments(), r.ipamKeys());
        }
        return out;
    }

    /** The hosts seen absent, with when this reaper first saw each. */
    public synchronized Map<String, Instant> absent() {
        return Map.copyOf(absentSince);
    }

    private Reaped reap(String host, List<KeyValue> endpoints, List<KeyValue> attachments) {
        int eps = 0;
        for (KeyValue kv : endpoints) {
            if (endpointHost(kv).filter(host::equals).isPresent() && store.compareAndDelete(kv.key(), kv.modRevision())) {
                eps++;
            }
        }
        int atts = 0;
        for (KeyValue kv : attachments) {
            if (attachmentHost(kv).filter(host::equals).isPresent() && store.compareAndDelete(kv.key(), kv.modRevision())) {
                atts++;
            }
        }
        return new Reaped(host, eps, atts, ipam.releaseHost(host));
    }

    /** {@code Host} of an endpoint record, or empty if it does not parse (not attributable, so never reaped). */
    private static Optional<String> endpointHost(KeyValue kv) {
        try {
            return Optional.ofNullable(StoreJson.read(kv, EndpointHost.class).host()).filter(h -> !h.isEmpty());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The host of {@code attachments/<networkID>/<host>}. */
    private Optional<String> attachmentHost(KeyValue kv) {
        String[] parts = kv.key().substring(docker.attachmentsPrefix().length()).split("/", 2);
        return parts.length == 2 && !parts[1].isEmpty() ? Optional.of(parts[1]) : Optional.empty();
    }
}
