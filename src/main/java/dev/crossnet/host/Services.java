package dev.crossnet.host;

/**
 * The host's service manager, for the units the crossnet package installs. {@code crossnet init} and
 * {@code join} use it to start crossnet's etcd member, agent and authz plugin now and at every boot;
 * the lab runs the same commands as processes in its host namespaces instead.
 *
 * <p>Every method names the unit in the {@link dev.crossnet.CrossnetException} it throws, with the
 * service manager's own words.
 */
public interface Services {
    /** crossnet's etcd member; settings: ETCD_* variables in /etc/crossnet/etcd.env. */
    String ETCD = "crossnet-etcd.service";
    /** The agent; settings: /etc/crossnet, extra flags in CROSSNET_AGENT_ARGS of /etc/crossnet/agent.env. */
    String AGENT = "crossnet-agent.service";
    /** The Docker authz plugin (crossnet-authz); extra flags in CROSSNET_AUTHZ_ARGS of /etc/crossnet/authz.env. */
    String AUTHZ = "crossnet-authz.service";

    /** Starts {@code unit} now and at every boot. Idempotent: an enabled, running unit keeps running. */
    void enableAndStart(String unit);

    /** Restarts {@code unit} (starting it if stopped), so that it reads changed settings. */
    void restart(String unit);

    /**
     * Stops {@code unit} and keeps it from starting at boot. Idempotent: a stopped, disabled or
     * uninstalled unit is no error.
     */
    void stopAndDisable(String unit);

    /** Whether {@code unit} is running now. */
    boolean isActive(String unit);
}
