package dev.crossnet.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.crossnet.CrossnetException;
import dev.crossnet.store.KeyValue;
import dev.crossnet.store.ListResult;
import dev.crossnet.store.WatchEvent;
import dev.crossnet.store.WatchListener;
import dev.crossnet.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The one loop: everything on one thread, in order, a burst costs one task run. No root. */
class ReconcileLoopTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T12:00:00Z"));
    private final ReconcileLoop loop = new ReconcileLoop(clock);
    private final List<String> seen = Collections.synchronizedList(new ArrayList<>());
    private Thread thread;

    @AfterEach
    void tearDown() throws InterruptedException {
        loop.close();
        if (thread != null) {
            thread.join(30_000);
        }
    }

    private void start() {
        thread = new Thread(loop::run, "reconcile");
        thread.start();
    }

    private static WatchEvent put(String key) {
        return new WatchEvent.Put(new KeyValue(key, "v", 1, 1, null));
    }

    @Test
    void watchEventsAndTasks_runOnTheLoopThread_oneTaskRunPerBurst() {
        AtomicInteger taskRuns = new AtomicInteger();
        List<String> threads = Collections.synchronizedList(new ArrayList<>());
        loop.add(new ReconcileLoop.Task() {
            @Override
            public Instant wakeAt() {
                return null;
            }

            @Override
            public void run() {
                threads.add(Thread.currentThread().getName());
                taskRuns.incrementAndGet();
            }
        });
        WatchListener onLoop = loop.onLoop(new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events, long revision) {
                threads.add(Thread.currentThread().getName());
                seen.add("events " + events.get(0).key());
            }

            @Override
            public void onReset(ListResult snapshot) {
                seen.add("reset " + snapshot.revision());
            }
        });
        // Queued before the loop runs: one turn handles all three, then the task once.
        onLoop.onEvents(List.of(put("/a")), 1);
        onLoop.onReset(new ListResult(List.of(), 7));
        onLoop.onEvents(List.of(put("/b")), 8);

        loop.runOnce();

        assertThat(seen).containsExactly("events /a", "reset 7", "events /b");
        assertThat(taskRuns).hasValue(1);
        start();
        await().atMost(Duration.ofSeconds(30)).until(() -> taskRuns.get() >= 2);
        assertThat(threads.subList(threads.size() - 1, threads.size())).containsOnly("reconcile");
    }

    @Test
    void call_fromAnotherThread_runsOnTheLoopAndReturnsOrThrows() {
        start();

        assertThat(loop.call(() -> Thread.currentThread().getName())).isEqualTo("reconcile");
        assertThatThrownBy(() -> loop.call(() -> {
            throw new CrossnetException("unknown network n1");
        })).isInstanceOf(CrossnetException.class).hasMessage("unknown network n1");
    }

    @Test
    void failingWork_doesNotStopTheLoop() {
        start();
        loop.execute(() -> {
            throw new IllegalStateException("bug");
        });

        assertThat(loop.call(() -> "still running")).isEqualTo("still running");
    }

    @Test
    void call_afterClose_refusedInsteadOfWaitingForEver() throws InterruptedException {
        start();
        loop.close();
        thread.join(30_000);

        assertThatThrownBy(() -> loop.call(() -> "x")).isInstanceOf(CrossnetException.class).hasMessageContaining("stopping");
    }
}
