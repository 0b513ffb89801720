package dev.crossnet.kernel.linux;

import dev.crossnet.CrossnetException;
import dev.crossnet.kernel.PartlyAppliedException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code ip -batch -} or {@code bridge -batch -} run: many commands, one process. Two kinds:
 * <ul>
 *   <li>{@link #applySteps}: dependent steps (make a device, then address it). iproute2 stops at the
 *       first failing line, so nothing is built on a step that failed; the next reconcile retries.
 *   <li>{@link #applyEach} and {@link #applyDeletes}: independent entries (one route, neighbour or FDB
 *       entry per peer), run with {@code -force}, so every line is tried. Without it one line the
 *       kernel refuses (a peer's gateway it will not take) would keep every line after it from being
 *       applied, batch after batch. The failed lines are reported together, each with the kernel's message.
 * </ul>
 */
final class Batch {

    /** iproute2 reports a failed batch line as {@code Command failed -:N}, N counting from 1. */
    private static final Pattern FAILED_LINE = Pattern.compile("Command failed -:(\\d+)");

    /** What the kernel says when a delete finds nothing to delete: not an error for {@code …IfPresent}. */
    private static final List<String> ABSENT = List.of(
            "No such process",            // route del (ESRCH)
            "No such file or directory",  // neigh del, fdb del (ENOENT)
            "Cannot find device");        // the device is gone, and its entries with it

    private Batch() {
    }

    /**
     * Runs dependent {@code lines} through {@code ip -batch -} ({@code tool} "ip") or {@code bridge
     * -batch -}, stopping at the first that fails. Does nothing for an empty list.
     *
     * @param what a short description for errors, e.g. "create vxlan device crossnet.1"
     * @throws CrossnetException naming the failing line and the kernel's message
     */
    static void applySteps(Commands commands, String tool, String what, List<String> lines) {
        run(commands, tool, what, lines, false, false);
    }

    /**
     * Runs independent {@code lines} with {@code -force}: every line is tried, whatever fails before
     * it. Does nothing for an empty list.
     *
     * @param what a short description for errors, e.g. "replace routes"
     * @throws CrossnetException after the whole batch ran, naming each failed line and the kernel's message
     */
    static void applyEach(Commands commands, String tool, String what, List<String> lines) {
        run(commands, tool, what, lines, true, false);
    }

    /** Like {@link #applyEach} for deletes: lines that failed only because there was nothing to delete are not errors. */
    static void applyDeletes(Commands commands, String tool, String what, List<String> lines) {
        run(commands, tool, what, lines, true, true);
    }

    private static void run(Commands commands, String tool, String what, List<String> lines, boolean force,
                            boolean deletes) {
        if (lines.isEmpty()) {
            return;
        }
        String input = String.join("\n", lines) + "\n";
        String[] args = force ? new String[] {"-force", "-batch", "-"} : new String[] {"-batch", "-"};
        Commands.Result r = tool.equals("bridge") ? commands.bridge(input, args) : commands.ip(input, args);
        if (r.exitCode() == 0) {
            return;
        }
        List<String> errors = errors(r.stderr(), lines, deletes);
        if (errors.isEmpty() && FAILED_LINE.matcher(r.stderr()).find()) {
            return;
        }
        if (errors.isEmpty()) {
            errors = List.of(tool + " exited with code " + r.exitCode());
        }
        String ns = commands.namespace() == null ? "" : " in namespace " + commands.namespace();
        if (force && lines.size() > 1) {
            List<String> each = errors.stream().map(e -> "cannot " + what + ns + ": " + e).toList();
            throw new PartlyAppliedException("cannot " + what + ns + " (" + errors.size() + " of " + lines.size()
                    + " lines failed; the others were applied): " + String.join("; ", errors), each);
        }
        throw new CrossnetException("cannot " + what + ns + ": " + String.join("; ", errors));
    }

    /**
     * Pairs each {@code Command failed -:N} with the kernel message printed before it and the batch
     * line N. For deletes, pairs whose message means "already absent" are dropped.
     */
    static List<String> errors(String stderr, List<String> lines, boolean ignoreAbsent) {
        List<String> errors = new ArrayList<>();
        List<String> pending = new ArrayList<>();
        for (String l : stderr.split("\n")) {
            if (l.isBlank()) {
                continue;
            }
            Matcher m = FAILED_LINE.matcher(l);
            if (!m.find()) {
                pending.add(l.trim());
                continue;
            }
            int n = Integer.parseInt(m.group(1));
            String message = pending.isEmpty() ? "failed" : String.join(" ", pending);
            pending.clear();
            if (ignoreAbsent && ABSENT.stream().anyMatch(message::contains)) {
                continue;
            }
            // The line itself, not its number: the same refused line reads the same in every batch.
            String line = n >= 1 && n <= lines.size() ? lines.get(n - 1) : "batch line " + n;
            errors.add("\"" + line + "\": " + message);
        }
        // Text after the last failed line (or without any): a usage error of the tool itself.
        String rest = String.join(" ", pending);
        if (!rest.isEmpty() && !(ignoreAbsent && ABSENT.stream().anyMatch(rest::contains))) {
            errors.add(rest);
        }
        return errors;
    }
}
