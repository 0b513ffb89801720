package dev.crossnet.kernel.linux;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A stand-in for the two iptables tools {@link IptablesFirewall} runs, answering as they do for the
 * subset it uses: {@code iptables -w -t T -C CHAIN -j TARGET}, {@code iptables -w -t T -S CHAIN},
 * {@code iptables-save -c -t T} and {@code iptables-restore -w --noflush --counters} with {@code *table}, {@code :CHAIN}, {@code -F}, {@code -A}
 * and {@code COMMIT} lines. Keeps the tables in memory and records every command line it was given.
 * Anything else fails the test: the firewall must not run tools this fake does not know.
 */
final class FakeIptables implements Commands.Runner {

    /** Every command line run, in order, with its stdin (if any) after a newline. */
    final List<String> commands = new ArrayList<>();
    /** Rules by table, then chain, as {@code iptables -S} prints them without {@code -A CHAIN}. */
    final Map<String, Map<String, List<String>>> tables = new LinkedHashMap<>();
    /** When set, iptables-restore fails with this message and changes nothing. */
    String restoreError;

    FakeIptables() {
        chains("filter").put("FORWARD", new ArrayList<>());
        chains("nat").put("POSTROUTING", new ArrayList<>());
    }

    Map<String, List<String>> chains(String table) {
        return tables.computeIfAbsent(table, t -> new LinkedHashMap<>());
    }

    /** How many times iptables-restore ran: the number of writes. */
    long restores() {
        return commands.stream().filter(c -> c.contains("iptables-restore")).count();
    }

    @Override
    public Commands.Result run(String stdin, List<String> command) {
        commands.add(String.join(" ", command) + (stdin == null ? "" : "\n" + stdin));
        List<String> cmd = command.get(0).equals("nsenter") ? command.subList(2, command.size()) : command;
        if (cmd.size() == 8 && cmd.subList(0, 3).equals(List.of("iptables", "-w", "-t")) && cmd.get(4).equals("-C")
                && cmd.get(6).equals("-j")) {
            List<String> rules = chains(cmd.get(3)).get(cmd.get(5));
            boolean found = rules != null && rules.contains("-j " + cmd.get(7));
            return found ? ok("") : new Commands.Result(1, "", "iptables: Bad rule (does a matching rule exist in that chain?).\n");
        }
        if (cmd.size() == 6 && cmd.subList(0, 3).equals(List.of("iptables", "-w", "-t")) && cmd.get(4).equals("-S")) {
            List<String> rules = chains(cmd.get(3)).get(cmd.get(5));
            if (rules == null) {
                return new Commands.Result(1, "", "iptables: No chain/target/match by that name.\n");
            }
            StringBuilder out = new StringBuilder("-N " + cmd.get(5) + "\n");
            for (String r : rules) {
                out.append("-A ").append(cmd.get(5)).append(' ').append(r).append('\n');
            }
            return ok(out.toString());
        }
        if (cmd.size() == 4 && cmd.subList(0, 3).equals(List.of("iptables-save", "-c", "-t"))) {
            // One table, with counters (all zero here), as iptables-save -c prints it.
            StringBuilder out = new StringBuilder("*" + cmd.get(3) + "\n");
            chains(cmd.get(3)).keySet().forEach(c -> out.append(':').append(c).append(" - [0:0]\n"));
            chains(cmd.get(3)).forEach((c, rules) -> rules.forEach(r -> out.append("[0:0] -A ").append(c).append(' ')
                    .append(r).append('\n')));
            return ok(out.append("COMMIT\n").toString());
        }
        if (cmd.equals(List.of("iptables-restore", "-w", "--noflush", "--counters"))) {
            return restore(stdin);
        }
        throw new AssertionError("FakeIptables does not know: " + command);
    }

    /** Applies one transaction: all of it at COMMIT, or nothing. */
    private Commands.Result restore(String in) {
        if (restoreError != null) {
            return new Commands.Result(2, "", restoreError + "\n");
        }
        String table = null;
        Map<String, List<String>> work = null;
        for (String line : in.split("\n")) {
            line = line.replaceFirst("^\\[\\d+:\\d+\\] ", ""); // --counters: a rule's counters before it
            if (line.startsWith("*")) {
                table = line.substring(1);
                work = new LinkedHashMap<>();
                for (Map.Entry<String, List<String>> e : chains(table).entrySet()) {
                    work.put(e.getKey(), new ArrayList<>(e.getValue()));
                }
            } else if (line.startsWith(":")) {
                work.putIfAbsent(line.substring(1).split(" ")[0], new ArrayList<>());
            } else if (line.startsWith("-F ")) {
                work.get(line.substring(3)).clear();
            } else if (line.startsWith("-A ")) {
                String[] parts = line.substring(3).split(" ", 2);
                List<String> chain = work.get(parts[0]);
                if (chain == null) {
                    return new Commands.Result(1, "", "iptables-restore: line failed: " + line + "\n");
                }
                chain.add(parts[1]);
            } else if (line.equals("COMMIT")) {
                tables.put(table, work);
            } else {
                throw new AssertionError("FakeIptables cannot restore line: " + line);
            }
        }
        return ok("");
    }

    private static Commands.Result ok(String stdout) {
        return new Commands.Result(0, stdout, "");
    }
}
