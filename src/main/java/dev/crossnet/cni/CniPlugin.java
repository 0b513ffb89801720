package dev.crossnet.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crossnet.CrossnetException;
import dev.crossnet.agent.SubnetEnv;
import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.nio.file.Files;
import java.util.List;

/**
 * The plugin's four commands. Each either returns what goes to stdout or throws the error result,
 * having undone what it started:
 * <ul>
 * <li>ADD builds the delegate config from {@code subnet.env}, saves it, and runs the bridge plugin.
 *     If that fails, it removes the saved config (the bridge plugin undoes its own failed ADD); if
 *     the result has no address in the lease, it also runs the bridge's DEL. A failed ADD leaves
 *     nothing behind but the shared host bridge.</li>
 * <li>DEL runs the bridge's DEL with the config ADD saved (or one rebuilt from {@code subnet.env}
 *     when there is none), then forgets it. Idempotent: a second DEL, a DEL without ADD, or a DEL
 *     after the namespace is gone all succeed; with neither a saved config nor {@code subnet.env}
 *     nothing crossnet made can remain, and DEL succeeds doing nothing.</li>
 * <li>CHECK reports drift: a lease or MTU in {@code subnet.env} other than the container got, then
 *     whatever the bridge's CHECK finds (interface, addresses, routes, host-local's record).</li>
 * <li>VERSION lists the versions of {@link NetConf#SUPPORTED_VERSIONS}.</li>
 * <li>GC (1.1.0) releases the addresses and records of attachments the runtime no longer has
 *     ({@link AttachmentGc}).</li>
 * <li>STATUS (1.1.0) succeeds when an ADD can be served: {@code subnet.env} is there and readable,
 *     the delegated plugins are in {@code CNI_PATH} (when given), and the agent answers ready on
 *     {@code agentHealthz} (it holds a live lease); otherwise error 50 saying which. Debian's
 *     bridge and host-local (1.1.1) predate STATUS, so it is not passed on to them.</li>
 * </ul>
 * A 1.1.0 config is handed to the delegates as 1.0.0 ({@link NetConf#delegateVersion}) and their
 * result goes back as 1.1.0. Not thread-safe; one instance serves one call.
 */
public final class CniPlugin {
    private final Plugins plugins;
    private final AgentReadiness agent;

    public CniPlugin(Plugins plugins) {
        this(plugins, new HttpAgentReadiness());
    }

    public CniPlugin(Plugins plugins, AgentReadiness agent) {
        this.plugins = plugins;
        this.agent = agent;
    }

    /**
     * Runs {@code env.command()} with the network config {@code stdin}.
     *
     * @return the JSON to print on stdout, or null for nothing (DEL and CHECK)
     */
    public JsonNode run(CniEnv env, byte[] stdin) throws CniError {
        if (env.command() == CniEnv.Command.VERSION) {
            return version();
        }
        NetConf conf = NetConf.parse(stdin);
        SavedDelegates saved = new SavedDelegates(conf.dataDir(), conf.name());
        switch (env.command()) {
            case ADD:
                return add(env, conf, saved);
            case DEL:
                del(env, conf, saved);
                return null;
            case CHECK:
                check(env, conf, saved);
                return null;
            case GC:
                requireGcAndStatus(conf, "GC");
                if (conf.validAttachments() == null) {
                    throw new CniError(CniError.INVALID_CONFIG, NetConf.VALID_ATTACHMENTS + " is missing: GC needs the attachments to keep");
                }
                new AttachmentGc(plugins).collect(env, conf, saved);
                return null;
            case STATUS:
                status(env, conf);
                return null;
            default:
                throw new IllegalStateException("unhandled " + env.command());
        }
    }

    private JsonNode version() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("cniVersion", NetConf.SUPPORTED_VERSIONS.get(NetConf.SUPPORTED_VERSIONS.size() - 1));
        ArrayNode versions = o.putArray("supportedVersions");
        NetConf.SUPPORTED_VERSIONS.forEach(versions::add);
        return o;
    }

    private JsonNode add(CniEnv env, NetConf conf, SavedDelegates saved) throws CniError {
        SubnetEnv lease = lease(conf);
        ObjectNode delegate = DelegateConf.build(conf, lease);
        String type = delegate.get("type").asText();
        // Saved first: if this process dies half-way, DEL still finds what to undo.
        saved.save(env, delegate);
        JsonNode result;
        try {
            result = plugins.run(type, CniEnv.Command.ADD, env, delegate);
        } catch (CniError | RuntimeException e) {
            // A plugin undoes its own failed ADD (bridge releases the address it took). A DEL here
            // could remove an interface of that name the container had before this ADD.
            forget(saved, env, e);
            throw e;
        }
        try {
            checkResult(result, lease.subnet(), type, CniError.DELEGATE_FAILED);
            if (result instanceof ObjectNode o) {
                o.put("cniVersion", conf.cniVersion()); // 1.1.0 reads a 1.0.0 result unchanged
            }
            return result;
        } catch (CniError e) {
            try {
                plugins.run(type, CniEnv.Command.DEL, env, delegate);
                saved.delete(env);
            } catch (CniError | RuntimeException undo) {
                e.addSuppressed(undo);
                System.err.println("crossnet: undoing the ADD of " + env.containerId() + " failed: " + undo.getMessage());
            }
            throw e;
        }
    }

    private static void forget(SavedDelegates saved, CniEnv env, Exception cause) {
        try {
            saved.delete(env);
        } catch (CniError e) {
            cause.addSuppressed(e);
        }
    }

    private void del(CniEnv env, NetConf conf, SavedDelegates saved) throws CniError {
        ObjectNode delegate = saved.load(env);
        if (delegate == null) {
            if (!Files.exists(conf.subnetFile())) {
                return; // no record of an ADD and no lease to rebuild it from: nothing of ours to undo
            }
            delegate = DelegateConf.build(conf, lease(conf));
        }
        if (conf.prevResult() != null) {
            delegate.set("prevResult", prevForDelegate(conf));
        }
        plugins.run(delegate.path("type").asText("bridge"), CniEnv.Command.DEL, env, delegate);
        saved.delete(env);
    }

    private void check(CniEnv env, NetConf conf, SavedDelegates saved) throws CniError {
        if (!conf.hasCheck()) {
            throw new CniError(CniError.INCOMPATIBLE_VERSION, "CHECK needs cniVersion 0.4.0 or later, the config says " + conf.cniVersion());
        }
        if (conf.prevResult() == null) {
            throw new CniError(CniError.INVALID_CONFIG, "prevResult is missing: CHECK needs the result of ADD");
        }
        ObjectNode delegate = saved.load(env);
        if (delegate == null) {
            throw new CniError(CniError.UNKNOWN_CONTAINER, "no crossnet ADD is recorded for container " + env.containerId()
                    + " interface " + env.ifname(), "looked for " + saved.file(env));
        }
        SubnetEnv lease = lease(conf);
        String had = DelegateConf.subnetOf(delegate);
        if (!had.equals(lease.subnet().toString())) {
            throw new CniError(CniError.DRIFT, "this host's crossnet lease is now " + lease.subnet() + " (" + conf.subnetFile()
                    + "), but container " + env.containerId() + " was given an address in " + had,
                    "recreate the container to give it an address in the new lease");
        }
        int mtu = delegate.path("mtu").asInt();
        if (mtu != lease.mtu()) {
            throw new CniError(CniError.DRIFT, "FLANNEL_MTU in " + conf.subnetFile() + " is now " + lease.mtu()
                    + ", but container " + env.containerId() + " was set up with MTU " + mtu, "recreate the container");
        }
        checkResult(conf.prevResult(), lease.subnet(), "prevResult", CniError.DRIFT);
        delegate.set("prevResult", prevForDelegate(conf));
        plugins.run(delegate.path("type").asText("bridge"), CniEnv.Command.CHECK, env, delegate);
    }

    /** The ADD result passed back with DEL and CHECK, in the version the delegates are given. */
    private static JsonNode prevForDelegate(NetConf conf) {
        JsonNode prev = conf.prevResult().deepCopy();
        if (prev instanceof ObjectNode o && o.has("cniVersion")) {
            o.put("cniVersion", conf.delegateVersion());
        }
        return prev;
    }

    private static void requireGcAndStatus(NetConf conf, String command) throws CniError {
        if (!conf.hasGcAndStatus()) {
            throw new CniError(CniError.INCOMPATIBLE_VERSION, command + " needs cniVersion 1.1.0, the config says " + conf.cniVersion());
        }
    }

    private void status(CniEnv env, NetConf conf) throws CniError {
        requireGcAndStatus(conf, "STATUS");
        try {
            lease(conf);
        } catch (CniError e) {
            throw new CniError(CniError.NOT_AVAILABLE, e.getMessage(), e.details());
        }
        if (!env.path().isEmpty()) {
            for (String type : List.of(conf.delegate().path("type").asText("bridge"), conf.ipam().path("type").asText(AttachmentGc.HOST_LOCAL))) {
                try {
                    ExecPlugins.find(type, env);
                } catch (CniError e) {
                    throw new CniError(CniError.NOT_AVAILABLE, e.getMessage(), e.details());
                }
            }
        }
        if (!conf.agentHealthz().isEmpty()) {
            String why = agent.notReady(conf.agentHealthz());
            if (why != null) {
                throw new CniError(CniError.NOT_AVAILABLE, why, "agentHealthz in the network config says where to ask; \"\" not to");
            }
        }
    }

    /** This host's lease, from the subnet.env the config names. */
    private static SubnetEnv lease(NetConf conf) throws CniError {
        if (!Files.exists(conf.subnetFile())) {
            throw new CniError(CniError.TRY_AGAIN_LATER, "subnetFile " + conf.subnetFile()
                    + " is missing: is the crossnet agent running on this host?",
                    "the agent writes it (--subnet-file) once it holds a lease");
        }
        try {
            return SubnetEnv.read(conf.subnetFile());
        } catch (CrossnetException e) {
            throw new CniError(CniError.INVALID_CONFIG, "subnetFile " + e.getMessage());
        }
    }

    /**
     * Checks that a result gives the container at least one address, each inside {@code lease}.
     *
     * @param from who produced the result, for the message
     * @param code the error code if it does not
     */
    static void checkResult(JsonNode result, Subnet lease, String from, int code) throws CniError {
        JsonNode ips = result == null ? null : result.get("ips");
        if (ips == null || !ips.isArray() || ips.isEmpty()) {
            throw new CniError(code, from + " gave the container no address", result == null ? "" : Json.write(result, false));
        }
        for (JsonNode ip : ips) {
            String cidr = ip.path("address").asText("");
            IPAddress a = new IPAddressString(cidr).getAddress();
            if (a == null || !lease.contains(a.withoutPrefixLength())) {
                throw new CniError(code, from + " gave the container address \"" + cidr
                        + "\", which is not in this host's lease " + lease);
            }
        }
    }
}
