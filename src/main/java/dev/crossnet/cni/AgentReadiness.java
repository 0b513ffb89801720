package dev.crossnet.cni;

/** Whether this host's crossnet agent is ready: it holds a live lease, its rules are in, its datapath runs. */
public interface AgentReadiness {

    /**
     * Asks the agent whose health endpoint is at {@code hostPort}. Blocks for at most a few seconds.
     *
     * @return null when it answers ready, else why not, in one line (the agent's own reason when it
     *     answered, or that it did not)
     */
    String notReady(String hostPort);
}
