package dev.crossnet.kernel;

import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;

/**
 * What a reconcile loop logs about the objects it programs: a failure once per change, not once
 * per pass. Each object (a name such as {@code "device crossnet.1"}) remembers the last message
 * logged for it; the same failure again is silent, another message is logged, and the first success
 * after a failure logs that the object recovered. The loop retries the object on its next pass
 * whatever was logged. Thread-safe.
 */
public final class FailureLog {

    private final Logger log;
    private final Map<String, String> failing = new HashMap<>();

    /** @param log where failures (as errors) and recoveries (as info) go */
    public FailureLog(Logger log) {
        this.log = log;
    }

    /**
     * Runs {@code step} for {@code object}; a {@link RuntimeException} it throws is logged once per
     * change of its message and not rethrown, so one failing object never stops the others.
     *
     * @return whether the step succeeded
     */
    public boolean attempt(String object, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            failed(object, e.getMessage() == null ? e.toString() : e.getMessage());
            return false;
        }
        succeeded(object);
        return true;
    }

    /** Logs {@code message} for {@code object} unless it is the one logged last for it. */
    public synchronized void failed(String object, String message) {
        if (!message.equals(failing.put(object, message))) {
            log.error("{}: {} (retried on every resync; logged again only when it changes)", object, message);
        }
    }

    /** Logs that {@code object} recovered when it had failed; otherwise does nothing. */
    public synchronized void succeeded(String object) {
        if (failing.remove(object) != null) {
            log.info("{}: recovered", object);
        }
    }

    /** Forgets {@code object} (e.g. a network that was removed), so it logs nothing more. */
    public synchronized void forget(String object) {
        failing.remove(object);
    }

    /** Whether {@code object}'s last attempt failed. */
    public synchronized boolean isFailing(String object) {
        return failing.containsKey(object);
    }
}
