package dev.crossnet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The {@link Store} contract, as one suite that every store passes (netty's {@code testsuite}
 * style): subclass it once per store and supply an open store. Each test works under its own key
 * prefix, so the subclasses may share one store across tests.
 */
public abstract class StoreContract {
    private static final AtomicInteger SEQ = new AtomicInteger();

    /** The store under test; open for the whole class. */
    protected abstract Store store();

    /** Drops all history up to the current revision, so that older watches must re-list. */
    protected abstract void compactAll() throws Exception;

    /** A TTL short enough for tests and long enough for the store to honour (etcd: about 2 s). */
    protected abstract Duration shortTtl();

    /**
     * Lets {@code d} pass on the clock the store's TTLs run on. This default waits, for a store whose
     * TTLs run on the real clock (etcd's run in the server); a store on a test clock moves that clock
     * instead, so that no TTL test depends on how promptly this thread is scheduled.
     */
    protected void elapse(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }

    /**
     * The limit on waits for asynchronous effects (watch delivery, expiry): generous, since it only
     * stops a broken run; a passing wait ends as soon as its condition holds.
     */
    protected Duration patience() {
        return shortTtl().multipliedBy(4).plusSeconds(60);
    }

    protected String p;

    @BeforeEach
    void uniquePrefix(TestInfo info) {
        p = "/contract/" + info.getTestMethod().orElseThrow().getName() + "-" + SEQ.incrementAndGet()
                + "-" + System.nanoTime() + "/";
    }

    // ---- get / put / list ----------------------------------------------------------------

    @Test
    void get_absentKey_isEmpty() {
        assertThat(store().get(p + "nothing")).isEmpty();
    }

    @Test
    void put_thenGet_returnsValueAndRevisions() {
        long r1 = store().put(p + "k", "v1", null);
        KeyValue kv = store().get(p + "k").orElseThrow();
        assertThat(kv).isEqualTo(new KeyValue(p + "k", "v1", r1, r1, null));

        long r2 = store().put(p + "k", "v2", null);
        assertThat(r2).isGreaterThan(r1);
        assertThat(store().get(p + "k").orElseThrow()).isEqualTo(new KeyValue(p + "k", "v2", r1, r2, null));
    }

    @Test
    void list_realPrefixSemantics_sortedAndIsolated() {
        for (String k : List.of("a/b/y", "a/bc/z", "a/b", "a/b/x", "a/a", "b")) {
            store().put(p + k, k, null);
        }
        ListResult slash = store().list(p + "a/b/");
        assertThat(slash.items()).extracting(KeyValue::key).containsExactly(p + "a/b/x", p + "a/b/y");

        // Without the trailing slash the prefix is a plain string prefix: a/bc/… matches too.
        ListResult bare = store().list(p + "a/b");
        assertThat(bare.items()).extracting(KeyValue::key)
                .containsExactly(p + "a/b", p + "a/b/x", p + "a/b/y", p + "a/bc/z");
        assertThat(bare.revision()).isGreaterThanOrEqualTo(
                bare.items().stream().mapToLong(KeyValue::modRevision).max().orElseThrow());
        assertThat(store().list(p + "nope/").items()).isEmpty();
    }

    @Test
    void list_valuesAreUtf8Text() {
        store().put(p + "ü", "{\"name\":\"réseau ✓\"}", null);
        assertThat(store().list(p).items()).singleElement()
                .satisfies(kv -> assertThat(kv.value()).isEqualTo("{\"name\":\"réseau ✓\"}"));
    }

    // ---- create / compare-and-set / delete -------------------------------------------------

    @Test
    void create_onlyIfAbsent() {
        OptionalLong first = store().create(p + "k", "one", null);
        assertThat(first).isPresent();
        assertThat(store().create(p + "k", "two", null)).isEmpty();
        KeyValue kv = store().get(p + "k").orElseThrow();
        assertThat(kv.value()).isEqualTo("one");
        assertThat(kv.modRevision()).isEqualTo(first.getAsLong());
    }

    @Test
    void create_16ThreadsRace_exactlyOneWins() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<OptionalLong>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                String me = "thread-" + i;
                Callable<OptionalLong> c = () -> {
                    go.await();
                    return store().create(p + "contended", me, null);
                };
                results.add(pool.submit(c));
            }
            go.countDown();
            List<Long> wins = new ArrayList<>();
            for (Future<OptionalLong> f : results) {
                f.get().ifPresent(wins::add);
            }
            assertThat(wins).hasSize(1);
            assertThat(store().get(p + "contended").orElseThrow().modRevision()).isEqualTo(wins.get(0));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void compareAndSet_matchingRevision_writes_staleOrAbsent_doesNot() {
        long r1 = store().put(p + "k", "v1", null);
        OptionalLong r2 = store().compareAndSet(p + "k", r1, "v2", null);
        assertThat(r2).isPresent();
        assertThat(store().get(p + "k").orElseThrow().value()).isEqualTo("v2");

        assertThat(store().compareAndSet(p + "k", r1, "stale", null)).isEmpty();
        assertThat(store().get(p + "k").orElseThrow().value()).isEqualTo("v2");
        assertThat(store().compareAndSet(p + "absent", r1, "x", null)).isEmpty();
        assertThat(store().compareAndSet(p + "absent", 0, "x", null)).isEmpty();
        assertThat(store().get(p + "absent")).isEmpty();
    }

    @Test
    void delete_presentAndAbsent() {
        store().put(p + "k", "v", null);
        assertThat(store().delete(p + "k")).isTrue();
        assertThat(store().get(p + "k")).isEmpty();
        assertThat(store().delete(p + "k")).isFalse();
    }

    @Test
    void compareAndDelete_onlyAtExpectedRevision() {
        long r1 = store().put(p + "k", "v1", null);
        long r2 = store().put(p + "k", "v2", null);
        assertThat(store().compareAndDelete(p + "k", r1)).isFalse();
        assertThat(store().get(p + "k")).isPresent();
        assertThat(store().compareAndDelete(p + "k", r2)).isTrue();
        assertThat(store().get(p + "k")).isEmpty();
        assertThat(store().compareAndDelete(p + "k", r2)).isFalse();
    }

    // ---- TTL ---------------------------------------------------------------------------------

    @Test
    void ttl_lapses_keyVanishesAndWatchSeesDelete() throws Exception {
        long start = store().list(p).revision();
        RecordingListener rec = new RecordingListener();
        try (Watch w = store().watch(p, start, rec)) {
            store().put(p + "eph", "v", shortTtl());
            // Unless a busy machine let it lapse already, it reads back with its expiry.
            store().get(p + "eph").ifPresent(kv -> assertThat(kv.expiresAt()).isNotNull());

            elapse(shortTtl());
            await().atMost(patience()).until(() -> store().get(p + "eph").isEmpty());
            await().atMost(patience()).untilAsserted(() -> assertThat(rec.events())
                    .anySatisfy(e -> assertThat(e).isInstanceOf(WatchEvent.Delete.class)
                            .extracting(WatchEvent::key).isEqualTo(p + "eph")));
            assertThat(store().list(p).items()).isEmpty();
        }
    }

    /**
     * A keep-alive restarts the key's TTL: its expiry moves later by the time that passed. The TTL is
     * long, so that no pause of a busy machine lets the key lapse before the keep-alive; the time let
     * pass is well above etcd's whole-second TTL granularity.
     */
    @Test
    void keepAlive_extendsLife_withoutChangingRevision() throws InterruptedException {
        long rev = store().put(p + "k", "v", Duration.ofMinutes(10));
        Instant before = store().get(p + "k").orElseThrow().expiresAt();
        elapse(shortTtl().multipliedBy(2).plusSeconds(1)); // time itself must pass; there is no condition to wait on
        assertThat(store().keepAlive(p + "k")).isTrue();
        KeyValue after = store().get(p + "k").orElseThrow();
        assertThat(after.expiresAt()).isAfter(before);
        assertThat(after.modRevision()).isEqualTo(rev);
    }

    @Test
    void keepAlive_afterTheKeyLapsed_isFalse() throws InterruptedException {
        store().put(p + "eph", "v", shortTtl());
        elapse(shortTtl());
        await().atMost(patience()).until(() -> store().get(p + "eph").isEmpty());
        assertThat(store().keepAlive(p + "eph")).isFalse();
    }

    @Test
    void keepAlive_falseForAbsentKeyOrKeyWithoutTtl() {
        store().put(p + "forever", "v", null);
        assertThat(store().keepAlive(p + "forever")).isFalse();
        assertThat(store().keepAlive(p + "absent")).isFalse();
    }

    @Test
    void noTtl_keyStays_whileTtlKeyLapses() throws Exception {
        store().put(p + "forever", "v", null);
        store().put(p + "eph", "v", shortTtl());
        elapse(shortTtl());
        await().atMost(patience()).until(() -> store().get(p + "eph").isEmpty());
        KeyValue kv = store().get(p + "forever").orElseThrow();
        assertThat(kv.expiresAt()).isNull();
    }

    @Test
    void putWithoutTtl_removesEarlierTtl() throws Exception {
        store().put(p + "k", "v1", shortTtl());
        store().put(p + "k", "v2", null);
        store().put(p + "eph", "v", shortTtl());
        elapse(shortTtl());
        await().atMost(patience()).until(() -> store().get(p + "eph").isEmpty());
        assertThat(store().get(p + "k").orElseThrow().expiresAt()).isNull();
    }

    // ---- watch -------------------------------------------------------------------------------

    @Test
    void watch_seesPutsAndDeletesInOrder_onlyUnderPrefix() {
        long start = store().list(p).revision();
        RecordingListener rec = new RecordingListener();
        try (Watch w = store().watch(p + "w/", start, rec)) {
            long r1 = store().put(p + "w/a", "1", null);
            store().put(p + "other", "x", null);
            long r2 = store().put(p + "w/b", "2", null);
            assertThat(store().delete(p + "w/a")).isTrue();
            long r4 = store().put(p + "w/a", "3", null);

            await().atMost(patience()).until(() -> rec.events().size() >= 4);
            List<WatchEvent> ev = rec.events();
            assertThat(ev).hasSize(4);
            assertThat(ev.get(0)).isEqualTo(new WatchEvent.Put(new KeyValue(p + "w/a", "1", r1, r1, null)));
            assertThat(ev.get(1)).isEqualTo(new WatchEvent.Put(new KeyValue(p + "w/b", "2", r2, r2, null)));
            assertThat(ev.get(2)).isInstanceOf(WatchEvent.Delete.class);
            WatchEvent.Delete del = (WatchEvent.Delete) ev.get(2);
            assertThat(del.key()).isEqualTo(p + "w/a");
            assertThat(del.previous()).isEqualTo("1");
            assertThat(del.revision()).isGreaterThan(r2).isLessThan(r4);
            assertThat(ev.get(3)).isEqualTo(new WatchEvent.Put(new KeyValue(p + "w/a", "3", r4, r4, null)));
            assertThat(rec.resets()).isEmpty();
            assertThat(rec.overlap()).isNull();
        }
    }

    @Test
    void watch_fromOldRevision_replaysHistory() {
        long start = store().list(p).revision();
        List<Long> revs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            revs.add(store().put(p + "k" + i, "v" + i, null));
        }
        RecordingListener rec = new RecordingListener();
        try (Watch w = store().watch(p, start, rec)) {
            await().atMost(patience()).until(() -> rec.events().size() >= 5);
            assertThat(rec.events()).extracting(WatchEvent::revision).containsExactlyElementsOf(revs);
            assertThat(rec.resets()).isEmpty();
        }
        // From the middle: only the later ones.
        RecordingListener late = new RecordingListener();
        try (Watch w = store().watch(p, revs.get(2), late)) {
            await().atMost(patience()).until(() -> late.events().size() >= 2);
            assertThat(late.events()).extracting(WatchEvent::revision).containsExactly(revs.get(3), revs.get(4));
        }
    }

    @Test
    void watch_afterCompaction_resetsWithCorrectSnapshot_thenContinues() throws Exception {
        long start = store().list(p).revision();
        store().put(p + "a", "1", null);
        store().put(p + "b", "2", null);
        store().delete(p + "a");
        store().put(p + "c", "3", null);
        compactAll();

        RecordingListener rec = new RecordingListener();
        try (Watch w = store().watch(p, start, rec)) {
            await().atMost(patience()).until(() -> !rec.resets().isEmpty());
            ListResult snap = rec.resets().get(0);
            ListResult now = store().list(p);
            assertThat(snap.items()).extracting(KeyValue::key, KeyValue::value)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(p + "b", "2"), org.assertj.core.groups.Tuple.tuple(p + "c", "3"));
            assertThat(snap.items()).isEqualTo(now.items());
            assertThat(snap.revision()).isGreaterThanOrEqualTo(now.items().stream().mapToLong(KeyValue::modRevision).max().orElseThrow());

            long r = store().put(p + "d", "4", null);
            await().atMost(patience()).until(() -> rec.events().stream().anyMatch(e -> e.revision() == r));
            // No replay of compacted history after the reset: only what came after the snapshot.
            assertThat(rec.events()).allSatisfy(e -> assertThat(e.revision()).isGreaterThan(snap.revision()));
            assertThat(rec.overlap()).isNull();
        }
    }

    @Test
    void watch_close_stopsCallbacks() {
        long start = store().list(p).revision();
        RecordingListener closedOne = new RecordingListener();
        RecordingListener witness = new RecordingListener();
        try (Watch w2 = store().watch(p, start, witness)) {
            Watch w1 = store().watch(p, start, closedOne);
            store().put(p + "a", "1", null);
            await().atMost(patience()).until(() -> closedOne.events().size() == 1 && witness.events().size() == 1);
            w1.close();
            w1.close(); // idempotent
            long r = store().put(p + "b", "2", null);
            // The witness proves the event was delivered; the closed watch must stay silent.
            await().atMost(patience()).until(() -> witness.events().size() == 2);
            await().during(Duration.ofMillis(500)).atMost(patience())
                    .until(() -> closedOne.calls().size() == 1);
            assertThat(witness.events().get(1).revision()).isEqualTo(r);
        }
    }

    /** The cheap list that lease allocation uses: it still tells TTL keys from permanent ones. */
    @Test
    void listWithoutExpiry_stillTellsTtlKeysFromPermanentOnes() {
        store().put(p + "a", "1", Duration.ofHours(1));
        store().put(p + "b", "2", null);
        java.util.List<KeyValue> items = store().list(p, false).items();
        assertThat(items).extracting(KeyValue::key).containsExactly(p + "a", p + "b");
        assertThat(items.get(0).expiresAt()).isNotNull();
        assertThat(items.get(1).expiresAt()).isNull();
        assertThat(store().list(p, true).items().get(0).expiresAt()).isBefore(java.time.Instant.now().plus(Duration.ofHours(2)));
    }
}
