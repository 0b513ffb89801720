package dev.crossnet;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;

/**
 * What a reconcile loop could not do (a record it skipped, a kernel line it could not write),
 * logged once per change instead of once per loop: each pass reports its whole list, and only the
 * sentences that were not in the previous pass are logged. A loop that meets the same bad record
 * every few seconds logs it once; a record that changes (and so reads differently) is logged
 * again; when the list empties, one line says so. Thread-safe.
 */
public final class ProblemLog {

    private final Logger log;
    private final String what;
    private Set<String> last = Set.of();

    /** @param what a short prefix for every line, e.g. {@code vxlan crossnet.1} */
    public ProblemLog(Logger log, String what) {
        this.log = log;
        this.what = what;
    }

    /**
     * Reports one pass: {@code skipped} (bad input, a warning) and {@code failed} (the kernel
     * refused, an error). Logs the sentences new since the last pass.
     */
    public synchronized void report(Collection<String> skipped, Collection<String> failed) {
        Set<String> now = new LinkedHashSet<>();
        for (String s : skipped) {
            if (now.add(s) && !last.contains(s)) {
                log.warn("{}: {}", what, s);
            }
        }
        for (String f : failed) {
            if (now.add(f) && !last.contains(f)) {
                log.error("{}: {}", what, f);
            }
        }
        if (now.isEmpty() && !last.isEmpty()) {
            log.info("{}: every record is programmed again", what);
        }
        last = now;
    }

    /** The sentences of the last pass, for health and tests. */
    public synchronized List<String> current() {
        return new ArrayList<>(last);
    }
}
