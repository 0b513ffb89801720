package dev.crossnet.kernel.linux;

import dev.crossnet.CrossnetException;
import dev.crossnet.kernel.Chain;
import dev.crossnet.kernel.Firewall;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link Firewall} with {@code iptables-save -c} (one read of every table: the chains' rules, their
 * counters and the jumps to them) and {@code iptables-restore -w --noflush --counters} (one process
 * for every table written): one transaction per table declares, flushes and refills crossnet's chains, carrying over the counters
 * of rules that stay, and adds the jumps that are missing, so no packet ever sees a half-written
 * chain. Rules outside crossnet's chains are left alone. A reconcile that finds everything right
 * costs one process, whatever the tables its chains are in, and little else: a dump whose rules did
 * not change (only counters did) is not parsed again ({@link IptablesSave#split}), and a chain found
 * right in that same layout for the same rules list object as last time is not compared again.
 * Thread-safe ({@code -w} waits for the xtables lock).
 */
final class IptablesFirewall implements Firewall {

    private final Commands commands;
    private final ParseCache<String, Map<String, IptablesSave.Layout>> parsed = new ParseCache<>();
    /** Per chain, the layout it was last found right in and the rules it was found to hold. */
    private final Map<Chain, Verified> verified = new ConcurrentHashMap<>();

    private record Verified(IptablesSave.Layout layout, List<String> rules) {
    }

    IptablesFirewall(Commands commands) {
        this.commands = commands;
    }

    @Override
    public void replaceChain(Chain chain, List<String> rules) {
        replaceChains(Map.of(chain, rules));
    }

    @Override
    public Map<Chain, Map<String, Long>> replaceChains(Map<Chain, List<String>> chains) {
        Map<String, IptablesSave> all = readAll();
        Map<String, IptablesSave> tables = new LinkedHashMap<>();
        Map<String, StringBuilder> writes = new LinkedHashMap<>();
        Map<String, List<String>> written = new LinkedHashMap<>();
        for (Map.Entry<Chain, List<String>> e : chains.entrySet()) {
            Chain chain = e.getKey();
            IptablesSave table = tables.computeIfAbsent(chain.table(), t -> all.getOrDefault(t, IptablesSave.EMPTY));
            Verified last = verified.get(chain);
            if (last != null && last.layout() == table.layout() && last.rules() == e.getValue()) {
                continue; // the same rules in the same, unchanged table: right, as it was last time
            }
            String lines = restoreLines(table, chain, e.getValue());
            if (lines.isEmpty()) {
                verified.put(chain, new Verified(table.layout(), e.getValue()));
            } else {
                verified.remove(chain);
                writes.computeIfAbsent(chain.table(), t -> new StringBuilder()).append(lines);
                written.computeIfAbsent(chain.table(), t -> new ArrayList<>()).add(chain.chainName());
            }
        }
        if (!writes.isEmpty()) {
            restore(writes, written);
        }
        Map<Chain, Map<String, Long>> counts = new EnumMap<>(Chain.class);
        for (Chain c : Chain.values()) {
            IptablesSave t = tables.get(c.table());
            if (t != null) {
                counts.put(c, counts(t, c));
            }
        }
        return counts;
    }

    /**
     * The {@code iptables-restore --noflush --counters} lines that make {@code chain} hold exactly
     * {@code rules} with the jump to it, given the table as read; empty when it already does.
     */
    private static String restoreLines(IptablesSave table, Chain chain, List<String> rules) {
        String name = chain.chainName();
        boolean jumpExists = table.jumps(chain.parent(), name);
        if (jumpExists && table.hasChain(name) && table.specs(name).equals(rules)) {
            return "";
        }
        Map<String, Deque<IptablesSave.Rule>> kept = new HashMap<>();
        for (IptablesSave.Rule r : table.rules(name)) {
            kept.computeIfAbsent(r.spec(), k -> new ArrayDeque<>()).add(r);
        }
        StringBuilder in = new StringBuilder();
        in.append(':').append(name).append(" - [0:0]\n");
        in.append("-F ").append(name).append('\n');
        for (String rule : rules) {
            IptablesSave.Rule old = kept.getOrDefault(rule, new ArrayDeque<>()).poll();
            if (old != null) {
                in.append('[').append(old.packets()).append(':').append(old.bytes()).append("] ");
            }
            in.append("-A ").append(name).append(' ').append(rule).append('\n');
        }
        if (!jumpExists) {
            in.append(chain.jumpFirst() ? "-I " + chain.parent() + " 1" : "-A " + chain.parent())
                    .append(" -j ").append(name).append('\n');
        }
        return in.toString();
    }

    /**
     * One {@code iptables-restore} process for every table written: one transaction per table (every
     * chain in it is written, or none), committed in turn; when one is refused the error names the
     * chains of every table given (those of an earlier table may be in: the next pass reads them).
     */
    private void restore(Map<String, StringBuilder> writes, Map<String, List<String>> written) {
        StringBuilder in = new StringBuilder();
        List<String> names = new ArrayList<>();
        writes.forEach((table, lines) -> {
            in.append('*').append(table).append('\n').append(lines).append("COMMIT\n");
            written.get(table).forEach(c -> names.add(table + "/" + c));
        });
        Commands.Result r = commands.tool(in.toString(), "iptables-restore", "-w", "--noflush", "--counters");
        if (r.exitCode() != 0) {
            throw new CrossnetException("cannot write iptables chain" + (names.size() > 1 ? "s " : " ") + String.join(", ", names)
                    + where() + ": " + r.stderr().trim());
        }
    }

    @Override
    public List<String> listChain(Chain chain) {
        return read(chain.table()).specs(chain.chainName());
    }

    @Override
    public Map<String, Long> packetCounts(Chain chain) {
        return counts(read(chain.table()), chain);
    }

    private static Map<String, Long> counts(IptablesSave table, Chain chain) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (IptablesSave.Rule r : table.rules(chain.chainName())) {
            counts.merge(r.spec(), r.packets(), Long::sum);
        }
        return counts;
    }

    private IptablesSave read(String table) {
        return readAll().getOrDefault(table, IptablesSave.EMPTY);
    }

    /**
     * Every table, in one process: a table that does not exist yet (nothing was ever written to
     * {@code nat}) is not in the dump, and reads as empty.
     */
    private Map<String, IptablesSave> readAll() {
        Commands.Result r = commands.tool(null, "iptables-save", "-c");
        if (r.exitCode() != 0) {
            throw new CrossnetException("cannot read the iptables tables" + where() + ": " + r.stderr().trim());
        }
        // Without the "# Generated by … on <time>" lines and the counters, unchanged rules are the same text as last time.
        IptablesSave.Split split = IptablesSave.split(r.stdout());
        return IptablesSave.tables(parsed.parse("all", split.layout(), IptablesSave::layouts), split.counters());
    }

    private String where() {
        return commands.namespace() == null ? "" : " in namespace " + commands.namespace();
    }
}
