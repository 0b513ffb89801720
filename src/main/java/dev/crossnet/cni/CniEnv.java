package dev.crossnet.cni;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The CNI parameters a runtime passes in environment variables, validated for {@link #command}.
 * ADD and CHECK need all of {@code CNI_CONTAINERID}, {@code CNI_NETNS}, {@code CNI_IFNAME} and
 * {@code CNI_PATH}; DEL does without {@code CNI_NETNS} (the namespace may be gone); VERSION needs
 * none. Immutable.
 *
 * @param command     ADD, DEL, CHECK or VERSION
 * @param containerId the runtime's container id; used in file names, so restricted to the spec's
 *                    alphabet (letters, digits, {@code _ . -})
 * @param netns       path of the container's network namespace, or "" (DEL only)
 * @param ifname      the interface to create inside the container, e.g. {@code eth0}
 * @param path        the directories to search for delegated plugins, in order
 * @param args        {@code CNI_ARGS}, passed on to the delegate as they are
 */
public record CniEnv(Command command, String containerId, String netns, String ifname, List<String> path, String args) {

    /** The CNI operations this plugin implements. */
    public enum Command { ADD, DEL, CHECK, VERSION }

    private static final Pattern CONTAINER_ID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.\\-]*");
    /** Linux's IFNAMSIZ is 16 with the terminating NUL. */
    private static final int MAX_IFNAME = 15;

    /**
     * Reads and validates the variables {@code command} needs.
     *
     * @throws CniError code 4 (invalid environment variables) naming the variable
     */
    public static CniEnv parse(Map<String, String> env) throws CniError {
        String cmd = env.getOrDefault("CNI_COMMAND", "");
        if (cmd.isEmpty()) {
            throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_COMMAND is missing: this is a CNI plugin, run by a container runtime",
                    "set CNI_COMMAND to ADD, DEL, CHECK or VERSION");
        }
        Command command;
        try {
            command = Command.valueOf(cmd.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_COMMAND=" + cmd + " is not supported",
                    "crossnet implements ADD, DEL, CHECK and VERSION");
        }
        if (command == Command.VERSION) {
            return new CniEnv(command, "", "", "", List.of(), "");
        }
        String id = require(env, "CNI_CONTAINERID");
        if (!CONTAINER_ID.matcher(id).matches()) {
            throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_CONTAINERID=" + id
                    + " is not a container id (letters, digits, '_', '.' and '-', starting with a letter or digit)");
        }
        String netns = command == Command.DEL ? env.getOrDefault("CNI_NETNS", "") : require(env, "CNI_NETNS");
        String ifname = require(env, "CNI_IFNAME");
        if (ifname.length() > MAX_IFNAME || ifname.equals(".") || ifname.equals("..")
                || ifname.chars().anyMatch(c -> c == '/' || c == ':' || Character.isWhitespace(c))) {
            throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_IFNAME=" + ifname
                    + " is not an interface name (at most 15 characters, no '/', ':' or spaces)");
        }
        List<String> path = new ArrayList<>();
        for (String dir : require(env, "CNI_PATH").split(":")) {
            if (!dir.isEmpty()) {
                path.add(dir);
            }
        }
        return new CniEnv(command, id, netns, ifname, List.copyOf(path), env.getOrDefault("CNI_ARGS", ""));
    }

    private static String require(Map<String, String> env, String name) throws CniError {
        String v = env.get(name);
        if (v == null || v.isEmpty()) {
            throw new CniError(CniError.INVALID_ENVIRONMENT, name + " is missing", "a runtime sets it for every ADD, DEL and CHECK");
        }
        return v;
    }
}
