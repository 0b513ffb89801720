package dev.crossnet.store.etcd;

import static dev.crossnet.store.etcd.EtcdConnection.bytes;
import static dev.crossnet.store.etcd.EtcdConnection.string;

import dev.crossnet.store.KeyValue;
import dev.crossnet.store.ListResult;
import dev.crossnet.store.Store;
import dev.crossnet.store.StoreException;
import dev.crossnet.store.StoreSpec;
import dev.crossnet.store.Watch;
import dev.crossnet.store.WatchListener;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The etcd v3 store, through jetcd.
 *
 * <p>How it maps the {@link Store} contract: revisions are etcd's revisions. {@code create} is a
 * transaction guarded by {@code createRevision == 0}; compare-and-set and compare-and-delete are
 * guarded by {@code modRevision}. A write with a TTL grants a fresh lease of that many seconds
 * (rounded up; etcd raises very short TTLs to its minimum, about 2 s) and attaches it, so
 * {@link #keepAlive} is one keep-alive of the key's lease and expiry is etcd's lease expiry, which
 * watchers see as a delete. {@link KeyValue#expiresAt()} comes from the lease's remaining TTL.
 *
 * <p>Every method blocks, is thread-safe, and retries transient failures (see
 * {@link EtcdConnection}); watches run on one thread each (see {@link EtcdWatch}).
 */
public final class EtcdStore implements Store {
    private static final Logger log = LoggerFactory.getLogger(EtcdStore.class);

    private final EtcdConnection conn;
    private final Clock clock;
    private final List<EtcdWatch> watches = new CopyOnWriteArrayList<>();
    private volatile java.util.concurrent.ScheduledExecutorService sync;
    private volatile String lastSyncProblem;

    private EtcdStore(EtcdConnection conn, Clock clock) {
        this.conn = conn;
        this.clock = clock;
    }

    /**
     * Connects to the etcd cluster {@code spec} names. The client connects lazily; an unreachable
     * cluster shows on the first operation, as a {@link StoreException}. Bad TLS files fail here.
     */
    public static EtcdStore connect(StoreSpec spec) {
        return new EtcdStore(new EtcdConnection(spec), Clock.systemUTC());
    }

    @Override
    public String endpoint() {
        // etcd://HOST:PORT,… as StoreSpec describes it, of the endpoints in use now (see syncEndpoints)
        return new StoreSpec(null, conn.endpointList(), null, null, null, null, null, null).describe();
    }

    // ---- endpoint sync -------------------------------------------------------------------

    /**
     * Makes this store follow its cluster's membership, as etcd's own clients do with {@code
     * AutoSyncInterval}: every {@code every}, one member-list call; when the voters' client URLs
     * (learners and members not yet started serve no clients) differ from the endpoints in use,
     * later calls go to them and {@code onChange} hears the new list (on the sync thread). A failed
     * sync is logged once per distinct reason and tried again next time. Call at most once; {@link
     * #close} stops it.
     */
    public void syncEndpoints(Duration every, java.util.function.Consumer<List<java.net.URI>> onChange) {
        if (sync != null) {
            throw new IllegalStateException("endpoint sync already started");
        }
        sync = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "etcd-endpoint-sync");
            t.setDaemon(true);
            return t;
        });
        sync.scheduleWithFixedDelay(() -> {
            try {
                List<java.net.URI> now = syncEndpointsOnce();
                if (now != null) {
                    onChange.accept(now);
                }
                lastSyncProblem = null;
            } catch (RuntimeException e) {
                if (!String.valueOf(e.getMessage()).equals(lastSyncProblem)) {
                    lastSyncProblem = String.valueOf(e.getMessage());
                    log.warn("etcd endpoint sync (keeping {}): {}", conn.endpoints(), e.getMessage());
                }
            }
        }, every.toMillis(), every.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Completes once the client the last sync replaced is closed. */
    CompletableFuture<Void> retiredClient() {
        return conn.retired;
    }

    /** One sync: the new endpoint list if it changed, else null. Blocks for one member-list call. */
    List<java.net.URI> syncEndpointsOnce() {
        List<java.net.URI> voters = new ArrayList<>();
        for (io.etcd.jetcd.cluster.Member m : conn.call("member list", () -> conn.client().getClusterClient().listMember()).getMembers()) {
            if (!m.isLearner() && m.getName() != null && !m.getName().isEmpty()) {
                voters.addAll(m.getClientURIs());
            }
        }
        List<java.net.URI> before = conn.endpointList();
        if (!conn.replaceEndpoints(voters)) {
            return null;
        }
        for (EtcdWatch w : watches) {
            w.moveToCurrentClient();
        }
        log.info("etcd endpoints now {} (the cluster's voters; were {})", conn.endpoints(),
                before.stream().map(java.net.URI::toString).collect(java.util.stream.Collectors.joining(",")));
        return conn.endpointList();
    }

    // ---- reads ---------------------------------------------------------------------------

    @Override
    public Optional<KeyValue> get(String key) {
        GetResponse r = conn.call("get " + key, () -> conn.client().getKVClient().get(bytes(key)));
        if (r.getKvs().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(withExpiry(List.of(r.getKvs().get(0))).get(0));
    }

    @Override
    public ListResult list(String prefix) {
        return list(prefix, true);
    }

    @Override
    public ListResult list(String prefix, boolean withExpiry) {
        GetOption opt = GetOption.builder().isPrefix(true)
                .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND).build();
        GetResponse r = conn.call("list " + prefix, () -> conn.client().getKVClient().get(bytes(prefix), opt));
        if (!withExpiry) {
            List<KeyValue> out = new ArrayList<>(r.getKvs().size());
            for (io.etcd.jetcd.KeyValue kv : r.getKvs()) {
                out.add(new KeyValue(string(kv.getKey()), string(kv.getValue()), kv.getCreateRevision(),
                        kv.getModRevision(), kv.getLease() == 0 ? null : KeyValue.UNKNOWN_EXPIRY));
            }
            return new ListResult(out, r.getHeader().getRevision());
        }
        return new ListResult(withExpiry(r.getKvs()), r.getHeader().getRevision());
    }

    /**
     * Converts jetcd key-values to ours, looking up the remaining TTL of every distinct lease
     * concurrently (one round trip in total, not one per key).
     */
    List<KeyValue> withExpiry(List<io.etcd.jetcd.KeyValue> kvs) {
        Map<Long, CompletableFuture<LeaseTimeToLiveResponse>> pending = new HashMap<>();
        for (io.etcd.jetcd.KeyValue kv : kvs) {
            if (kv.getLease() != 0) {
                pending.computeIfAbsent(kv.getLease(), id -> conn.client().getLeaseClient().timeToLive(id, LeaseOption.DEFAULT));
            }
        }
        Instant now = clock.instant();
        Map<Long, Instant> expiry = new HashMap<>();
        for (Map.Entry<Long, CompletableFuture<LeaseTimeToLiveResponse>> e : pending.entrySet()) {
            // Already in flight: the retrying call only waits for it (and re-asks on a transient failure).
            CompletableFuture<LeaseTimeToLiveResponse> first = e.getValue();
            boolean[] used = {false};
            LeaseTimeToLiveResponse ttl = conn.call("lease ttl " + e.getKey(), () -> {
                if (!used[0]) {
                    used[0] = true;
                    return first;
                }
                return conn.client().getLeaseClient().timeToLive(e.getKey(), LeaseOption.DEFAULT);
            });
            // TTL -1: the lease lapsed after the read; the key is as good as gone.
            expiry.put(e.getKey(), now.plusSeconds(Math.max(0, ttl.getTTL())));
        }
        List<KeyValue> out = new ArrayList<>(kvs.size());
        for (io.etcd.jetcd.KeyValue kv : kvs) {
            out.add(new KeyValue(string(kv.getKey()), string(kv.getValue()), kv.getCreateRevision(),
                    kv.getModRevision(), kv.getLease() == 0 ? null : expiry.get(kv.getLease())));
        }
        return out;
    }

    // ---- writes --------------------------------------------------------------------------

    @Override
    public long put(String key, String value, Duration ttl) {
        requireKey(key, value);
        long lease = grant(ttl);
        return conn.call("put " + key, () -> conn.client().getKVClient()
                .put(bytes(key), bytes(value), putOption(lease))).getHeader().getRevision();
    }

    @Override
    public OptionalLong create(String key, String value, Duration ttl) {
        requireKey(key, value);
        return txn("create " + key, new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.createRevision(0)), key, value, ttl);
    }

    @Override
    public OptionalLong compareAndSet(String key, long expectedModRevision, String value, Duration ttl) {
        requireKey(key, value);
        // modRevision of an absent key compares as 0, so expecting 0 would act as create; the
        // contract says an absent key never matches.
        if (expectedModRevision <= 0) {
            return OptionalLong.empty();
        }
        return txn("compare-and-set " + key,
                new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.modRevision(expectedModRevision)), key, value, ttl);
    }

    private OptionalLong txn(String what, Cmp guard, String key, String value, Duration ttl) {
        long lease = grant(ttl);
        TxnResponse r = conn.call(what, () -> conn.client().getKVClient().txn()
                .If(guard).Then(Op.put(bytes(key), bytes(value), putOption(lease))).commit());
        if (r.isSucceeded()) {
            return OptionalLong.of(r.getHeader().getRevision());
        }
        revokeQuietly(lease);
        return OptionalLong.empty();
    }

    @Override
    public boolean delete(String key) {
        requireKey(key, "");
        return conn.call("delete " + key, () -> conn.client().getKVClient().delete(bytes(key))).getDeleted() > 0;
    }

    @Override
    public boolean compareAndDelete(String key, long expectedModRevision) {
        requireKey(key, "");
        if (expectedModRevision <= 0) {
            return false;
        }
        TxnResponse r = conn.call("compare-and-delete " + key, () -> conn.client().getKVClient().txn()
                .If(new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.modRevision(expectedModRevision)))
                .Then(Op.delete(bytes(key), DeleteOption.DEFAULT)).commit());
        return r.isSucceeded() && r.getDeleteResponses().get(0).getDeleted() > 0;
    }

    @Override
    public boolean keepAlive(String key) {
        requireKey(key, "");
        GetResponse r = conn.call("get " + key, () -> conn.client().getKVClient().get(bytes(key)));
        if (r.getKvs().isEmpty() || r.getKvs().get(0).getLease() == 0) {
            return false;
        }
        long lease = r.getKvs().get(0).getLease();
        try {
            return conn.call("keep-alive " + key, () -> conn.client().getLeaseClient().keepAliveOnce(lease)).getTTL() > 0;
        } catch (StoreException e) {
            // The lease lapsed between the get and the keep-alive: the key is gone too.
            if (String.valueOf(e.getMessage()).contains("lease not found")) {
                return false;
            }
            throw e;
        }
    }

    /** Grants a lease for {@code ttl}, or returns 0 (no lease) for null. */
    private long grant(Duration ttl) {
        if (ttl == null) {
            return 0;
        }
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive, not " + ttl);
        }
        long seconds = (ttl.toMillis() + 999) / 1000; // etcd leases count whole seconds; round up
        return conn.call("grant lease", () -> conn.client().getLeaseClient().grant(seconds)).getID();
    }

    private void revokeQuietly(long lease) {
        if (lease != 0) {
            // Best effort: an unused lease holds no key and lapses by itself anyway.
            conn.client().getLeaseClient().revoke(lease).exceptionally(e -> null);
        }
    }

    private static PutOption putOption(long lease) {
        return lease == 0 ? PutOption.DEFAULT : PutOption.builder().withLeaseId(lease).build();
    }

    private static void requireKey(String key, String value) {
        if (key == null || value == null) {
            throw new NullPointerException("store keys and values must not be null");
        }
    }

    // ---- watches -------------------------------------------------------------------------

    @Override
    public Watch watch(String prefix, long afterRevision, WatchListener listener) {
        if (conn.isClosed()) {
            throw new StoreException("etcd store " + conn.endpoints() + " is closed");
        }
        EtcdWatch w = new EtcdWatch(this, conn, prefix, afterRevision, listener, watches::remove);
        watches.add(w);
        w.start();
        return w;
    }

    @Override
    public void close() {
        if (sync != null) {
            sync.shutdownNow();
        }
        if (conn.isClosed()) {
            return;
        }
        for (EtcdWatch w : watches) {
            w.close();
        }
        try {
            conn.close();
        } catch (RuntimeException e) {
            log.debug("closing {}: {}", endpoint(), e.getMessage());
        }
    }
}
