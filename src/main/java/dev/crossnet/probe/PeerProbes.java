package dev.crossnet.probe;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the probe knows of each peer: the echoes in flight, when the last was sent and answered, and the last RTT.
 * Pure logic, no I/O: the caller gives the times ({@link java.time.Clock} for when, a monotonic nanosecond ticker for
 * RTTs), so it is tested with fake time. A peer is reachable while one of its echoes was answered within the loss
 * window. Only an answer from the peer's overlay address that carries the sequence number and send time of one of
 * its last {@link #IN_FLIGHT} echoes counts. Thread-safe.
 */
public final class PeerProbes {
    /** How many unanswered echoes per peer are remembered; an answer to an older one is ignored. */
    static final int IN_FLIGHT = 4;

    /**
     * One peer as seen from here.
     *
     * @param rttMs     the RTT of the last answered echo, null if none was
     * @param lastProbe when the last echo was sent, null if none was
     */
    public record Reach(String publicIp, String subnet, boolean reachable, Double rttMs, Instant lastProbe) {
    }

    /**
     * A peer's overlay address as a map key. {@link InetAddress#hashCode()} is the IPv4 address itself, and the
     * overlay addresses of /24 subnets in a /16 (10.244.B.0) differ only in bits that {@link java.util.HashMap} folds
     * into 8 of its buckets: 1000 peers would share them. The multiplier (2^32 / golden ratio) spreads them.
     */
    private record Key(InetAddress address) {
        @Override
        public int hashCode() {
            return address.hashCode() * 0x9E3779B9;
        }
    }

    /** One peer's state; with 1000 peers, the echoes in flight are two numbers each in one array (not a deque of records). */
    private static final class Entry {
        ProbeTarget target;
        /** The last {@link #IN_FLIGHT} echoes not answered, oldest first: sequence number at 2i, send stamp at 2i + 1. */
        final long[] inFlight = new long[2 * IN_FLIGHT];
        int inFlightCount;
        Instant lastProbe;
        Instant lastAnswer;
        Double rttMs;

        /** Remembers an echo sent, forgetting the oldest when {@link #IN_FLIGHT} are. */
        void sent(long seq, long stamp) {
            if (inFlightCount == IN_FLIGHT) {
                take(0);
            }
            inFlight[2 * inFlightCount] = seq;
            inFlight[2 * inFlightCount + 1] = stamp;
            inFlightCount++;
        }

        /** Whether an echo with {@code seq} and {@code stamp} is in flight; if so it is taken out. */
        boolean answer(long seq, long stamp) {
            for (int i = 0; i < inFlightCount; i++) {
                if (inFlight[2 * i] == seq && inFlight[2 * i + 1] == stamp) {
                    take(i);
                    return true;
                }
            }
            return false;
        }

        private void take(int i) {
            System.arraycopy(inFlight, 2 * i + 2, inFlight, 2 * i, 2 * (inFlightCount - i - 1));
            inFlightCount--;
        }
    }

    /**
     * What {@link #snapshot} says apart from RTTs and probe times, cheap to take: equal sketches mean the same peers
     * (PublicIP, subnet, order) with the same reachability.
     *
     * @param peers     changes whenever a peer is added, removed or gets another PublicIP or subnet
     * @param reachable bit {@code i} set when the {@code i}th peer of the snapshot is reachable (not to be modified)
     */
    public record Sketch(long peers, BitSet reachable) {
    }

    private Duration lossWindow; // guarded by this
    private final Map<Key, Entry> peers = new LinkedHashMap<>();
    private long nextSeq;
    private long peersVersion; // guarded by this: counts the changes to the peers' list
    private long answers; // guarded by this: counts the answers counted, each a new RTT

    /**
     * @param lossWindow a peer is unreachable once no echo was answered for this long
     * @param firstSeq   the first sequence number (random, so answers meant for an earlier process never match)
     */
    public PeerProbes(Duration lossWindow, long firstSeq) {
        this.lossWindow = lossWindow;
        this.nextSeq = firstSeq;
    }

    /** From now on a peer is unreachable once no echo was answered for {@code window} (rounds get longer with more peers). */
    public synchronized void lossWindow(Duration window) {
        this.lossWindow = window;
    }

    /** The echo to send to {@code peer} now, remembered as in flight. */
    public synchronized ProbePacket echo(ProbeTarget peer, long nanos, Instant at) {
        Entry e = peers.computeIfAbsent(new Key(peer.address()), a -> new Entry());
        if (!peer.equals(e.target)) {
            peersVersion++;
            e.target = peer;
        }
        long seq = nextSeq++;
        e.sent(seq, nanos);
        e.lastProbe = at;
        return new ProbePacket(ProbePacket.Kind.ECHO, seq, nanos);
    }

    /**
     * Counts {@code answer} from {@code from} if it answers an echo in flight to that peer.
     *
     * @return whether it did (false: a stray, late or forged answer, ignored)
     */
    public synchronized boolean answered(InetAddress from, ProbePacket answer, long nanos, Instant at) {
        Entry e = peers.get(new Key(from));
        if (e == null || answer.kind() != ProbePacket.Kind.ANSWER) {
            return false;
        }
        if (!e.answer(answer.seq(), answer.stamp())) {
            return false;
        }
        e.rttMs = Math.max(0, nanos - answer.stamp()) / 1e6;
        e.lastAnswer = at;
        answers++;
        return true;
    }

    /** Forgets every peer not in {@code current} (a host that left); keeps the others' history. */
    public synchronized void retain(Collection<ProbeTarget> current) {
        Set<Key> keep = new HashSet<>();
        for (ProbeTarget t : current) {
            keep.add(new Key(t.address()));
        }
        if (peers.keySet().retainAll(keep)) {
            peersVersion++;
        }
    }

    /** How many answers were counted so far: the RTTs of {@link #snapshot} can only differ when this does. */
    public synchronized long answers() {
        return answers;
    }

    /** What {@link #snapshot}{@code (now)} would say, without RTTs and times: no per-peer objects. */
    public synchronized Sketch sketch(Instant now) {
        BitSet reachable = new BitSet(peers.size());
        int i = 0;
        for (Entry e : peers.values()) {
            if (reachable(e, now)) {
                reachable.set(i);
            }
            i++;
        }
        return new Sketch(peersVersion, reachable);
    }

    private boolean reachable(Entry e, Instant now) {
        return e.lastAnswer != null && now.isBefore(e.lastAnswer.plus(lossWindow));
    }

    /** Every peer probed, in the order first probed. */
    public synchronized List<Reach> snapshot(Instant now) {
        List<Reach> out = new ArrayList<>();
        for (Entry e : peers.values()) {
            out.add(new Reach(e.target.publicIp(), e.target.subnet(), reachable(e, now), e.rttMs, e.lastProbe));
        }
        return out;
    }
}
