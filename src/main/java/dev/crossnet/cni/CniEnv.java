package dev.crossnet.cni;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The CNI parameters a runtime passes in environment variables, validated for {@link #command}.
 * ADD and CHECK need all of {@code CNI_CONTAINERID}, {@code CNI_NETNS}, {@code CNI_IFNAME} and
 * {@code CNI_PATH}; DEL does without {@code CNI_NETNS} (the namespace may be gone); GC (CNI 1.1.0)
 * needs {@code CNI_PATH} only, STATUS (1.1.0) takes it if given, VERSION needs none; the fields a
 * command does without are "" (or an empty path). Immutable.
 *
 * @param command     ADD, DEL, CHECK, VERSION, GC or STATUS
 * @param containerId the runtime's container id; used in file names, so restricted to the spec's
 *                    alphabet (letters, digits, {@code _ . -})
 * @param netns       path of the container's network namespace, or "" (DEL only)
 * @param ifname      the interface to create inside the container, e.g. {@code eth0}
 * @param path        the directories to search for delegated plugins, in order
 * @param args        {@code CNI_ARGS}, passed on to the delegate as they are
 */
public record CniEnv(Command command, String containerId, String netns, String ifname, List<String> path, String args) {

    /** The CNI operations this plugin implements. */
    public enum Command { ADD, DEL, CHECK, VERSION, GC, STATUS }

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
                    "crossnet implements ADD, DEL, CHECK, VERSION, GC and STATUS");
        }
        switch (command) {
            case VERSION:
                return new CniEnv(command, "", "", "", List.of(), "");
            case STATUS:
                return new CniEnv(command, "", "", "", path(env.getOrDefault("CNI_PATH", "")), "");
            case GC:
                return new CniEnv(command, "", "", "", path(require(env, "CNI_PATH")), "");
            default:
                break;
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
        return new CniEnv(command, id, netns, ifname, path(require(env, "CNI_PATH")), env.getOrDefault("CNI_ARGS", ""));
    }

    /** {@code CNI_PATH}'s directories, in order, without empty entries. */
    private static List<String> path(String cniPath) {
        List<String> path = new ArrayList<>();
        for (String dir : cniPath.split(":")) {
            if (!dir.isEmpty()) {
                path.add(dir);
            }
        }
        return List.copyOf(path);
    }

    private static String require(Map<String, String> env, String name) throws CniError {
        String v = env.get(name);
        if (v == null || v.isEmpty()) {
            throw new CniError(CniError.INVALID_ENVIRONMENT, name + " is missing", "a runtime sets it for every ADD, DEL, CHECK and GC");
        }
        return v;
    }
}
