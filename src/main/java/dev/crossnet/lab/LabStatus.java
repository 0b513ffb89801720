package dev.crossnet.lab;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;

/**
 * A lab as observed now: what {@code lab.json} says, plus whether each agent is alive and ready.
 *
 * @param store the store spec the agents use
 */
public record LabStatus(String name, String backend, String network, String store, List<HostStatus> hosts) {

    public LabStatus {
        hosts = List.copyOf(hosts);
    }

    /**
     * @param agentPid 0 if no agent was started
     * @param alive    the agent process is running
     * @param ready    it answered 200 on {@code /readyz}
     * @param subnet   null until the agent leased one
     */
    public record HostStatus(String name, String netns, String underlayIp, long agentPid, boolean alive, boolean ready,
                             String subnet, int mtu, List<LabState.ContainerState> containers) {
        public HostStatus {
            containers = List.copyOf(containers);
        }

        /** {@code 4242 ready}, {@code 4242 starting}, {@code 4242 dead}, or {@code -} without an agent. */
        public String agentText() {
            if (agentPid == 0) {
                return "-";
            }
            return agentPid + (!alive ? " dead" : ready ? " ready" : " not ready");
        }
    }

    public String toJson() {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
