package dev.crossnet.lab;

import dev.crossnet.CrossnetException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntConsumer;

/** Runs one step per item on a small pool, failing fast. Blocking. */
final class Parallel {
    private Parallel() {
    }

    /**
     * Runs {@code step} for every item with up to {@code threads} at once; on the first failure
     * interrupts the rest and throws it.
     *
     * @param what for the message when interrupted, e.g. "bringing the lab up"
     */
    static void forEach(List<Integer> items, int threads, IntConsumer step, String what) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(items.size(), threads)));
        try {
            ExecutorCompletionService<Void> done = new ExecutorCompletionService<>(pool);
            for (int i : items) {
                done.submit(() -> {
                    step.accept(i);
                    return null;
                });
            }
            for (int n = 0; n < items.size(); n++) {
                try {
                    done.take().get();
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof RuntimeException r ? r : new CrossnetException(e.getCause().toString(), e.getCause());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrossnetException("interrupted while " + what);
        } finally {
            pool.shutdownNow();
        }
    }
}
