package dev.crossnet.kernel.linux;

import dev.crossnet.CrossnetException;
import dev.crossnet.kernel.Chain;
import dev.crossnet.kernel.Firewall;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Firewall} with {@code iptables-restore -w --noflush}: one transaction declares, flushes and
 * refills crossnet's chain (and adds the jump when {@code iptables -C} finds none), so no packet
 * ever sees a half-written chain. Rules outside crossnet's chains are left alone. Thread-safe
 * ({@code -w} waits for the xtables lock).
 */
final class IptablesFirewall implements Firewall {

    private final Commands commands;

    IptablesFirewall(Commands commands) {
        this.commands = commands;
    }

    @Override
    public void replaceChain(Chain chain, List<String> rules) {
        boolean jumpExists = commands.tool(null, "iptables", "-w", "-t", chain.table(), "-C", chain.parent(),
                "-j", chain.chainName()).exitCode() == 0;
        if (jumpExists && listChain(chain).equals(rules)) {
            return;
        }
        String name = chain.chainName();
        StringBuilder in = new StringBuilder();
        in.append('*').append(chain.table()).append('\n');
        in.append(':').append(name).append(" - [0:0]\n");
        in.append("-F ").append(name).append('\n');
        for (String rule : rules) {
            in.append("-A ").append(name).append(' ').append(rule).append('\n');
        }
        if (!jumpExists) {
            in.append("-A ").append(chain.parent()).append(" -j ").append(name).append('\n');
        }
        in.append("COMMIT\n");
        Commands.Result r = commands.tool(in.toString(), "iptables-restore", "-w", "--noflush");
        if (r.exitCode() != 0) {
            throw new CrossnetException("cannot write iptables chain " + chain.table() + "/" + name
                    + (commands.namespace() == null ? "" : " in namespace " + commands.namespace())
                    + ": " + r.stderr().trim());
        }
    }

    @Override
    public List<String> listChain(Chain chain) {
        Commands.Result r = commands.tool(null, "iptables", "-w", "-t", chain.table(), "-S", chain.chainName());
        if (r.exitCode() != 0) {
            return List.of();
        }
        String prefix = "-A " + chain.chainName() + " ";
        List<String> rules = new ArrayList<>();
        for (String line : r.stdout().split("\n")) {
            if (line.startsWith(prefix)) {
                rules.add(line.substring(prefix.length()).trim());
            }
        }
        return rules;
    }
}
