package dev.crossnet.kernel.linux;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One table as {@code iptables-save -c} prints it, reduced to what crossnet reads: the
 * declared chains and each chain's rules, in order, with their counters. Pure; immutable.
 *
 * <pre>
 *   *filter
 *   :INPUT ACCEPT [0:0]
 *   :CROSSNET-INPUT - [0:0]
 *   [0:0] -A INPUT -j CROSSNET-INPUT
 *   [5:420] -A CROSSNET-INPUT -p udp -m udp --dport 8472 -j DROP
 *   COMMIT
 * </pre>
 */
final class IptablesSave {

    /** A rule as {@code iptables -S} prints it after {@code -A CHAIN}, with its counters. */
    record Rule(String spec, long packets, long bytes) {
    }

    private static final Pattern RULE = Pattern.compile("(?:\\[(\\d+):(\\d+)\\] )?-A (\\S+) (.*)");

    private final Set<String> chains;
    private final Map<String, List<Rule>> rules;

    private IptablesSave(Set<String> chains, Map<String, List<Rule>> rules) {
        this.chains = chains;
        this.rules = rules;
    }

    /** A table that {@code iptables-save} did not print: no chains, no rules. */
    static final IptablesSave EMPTY = new IptablesSave(Set.of(), Map.of());

    /**
     * Every table of an {@code iptables-save} dump of all tables, by name ({@code filter}, {@code nat},
     * …): each {@code *TABLE} line starts one, parsed as {@link #parse}.
     */
    static Map<String, IptablesSave> parseTables(String out) {
        Map<String, StringBuilder> texts = new LinkedHashMap<>();
        StringBuilder current = null;
        for (String line : out.split("\n")) {
            if (line.startsWith("*")) {
                current = texts.computeIfAbsent(line.substring(1).strip(), t -> new StringBuilder());
            } else if (current != null) {
                current.append(line).append('\n');
            }
        }
        Map<String, IptablesSave> tables = new LinkedHashMap<>();
        texts.forEach((table, text) -> tables.put(table, parse(text.toString())));
        return Map.copyOf(tables);
    }

    /** Parses {@code iptables-save} output of one table, with or without {@code -c}; ignores what it does not know. */
    static IptablesSave parse(String out) {
        Set<String> chains = new HashSet<>();
        Map<String, List<Rule>> rules = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            line = line.strip();
            if (line.startsWith(":")) {
                int space = line.indexOf(' ');
                chains.add(space < 0 ? line.substring(1) : line.substring(1, space));
                continue;
            }
            Matcher m = RULE.matcher(line);
            if (m.matches()) {
                long packets = m.group(1) == null ? 0 : Long.parseLong(m.group(1));
                long bytes = m.group(2) == null ? 0 : Long.parseLong(m.group(2));
                rules.computeIfAbsent(m.group(3), c -> new ArrayList<>()).add(new Rule(m.group(4).strip(), packets, bytes));
            }
        }
        return new IptablesSave(Set.copyOf(chains), Map.copyOf(rules));
    }

    /** Whether the table declares {@code chain} (built-in chains included). */
    boolean hasChain(String chain) {
        return chains.contains(chain);
    }

    /** The rules of {@code chain} in order; empty when it has none or does not exist. */
    List<Rule> rules(String chain) {
        return List.copyOf(rules.getOrDefault(chain, List.of()));
    }

    /** The rule specifications of {@code chain} in order. */
    List<String> specs(String chain) {
        return rules(chain).stream().map(Rule::spec).toList();
    }

    /** Whether {@code parent} has the plain jump {@code -j target} (as crossnet writes it). */
    boolean jumps(String parent, String target) {
        return specs(parent).contains("-j " + target);
    }
}
