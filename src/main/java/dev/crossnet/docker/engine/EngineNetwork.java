package dev.crossnet.docker.engine;

import java.util.Map;

/**
 * A Docker network as the Engine API shows it, reduced to what crossnet uses.
 *
 * @param containers endpoint ID to container name; only filled by {@link Engine#network}
 */
public record EngineNetwork(String id, String name, String driver, String subnet, String gateway, String ipRange,
                            String ipamDriver, Map<String, String> ipamOptions, Map<String, String> options,
                            Map<String, String> labels, boolean attachable, Map<String, String> containers) {

    public EngineNetwork {
        ipRange = ipRange == null ? "" : ipRange;
        ipamOptions = ipamOptions == null ? Map.of() : Map.copyOf(ipamOptions);
        options = options == null ? Map.of() : Map.copyOf(options);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        containers = containers == null ? Map.of() : Map.copyOf(containers);
    }

    /** What {@code POST /networks/create} takes. */
    public record Spec(String name, String driver, String subnet, String gateway, String ipRange, String ipamDriver,
                       Map<String, String> ipamOptions, Map<String, String> options, Map<String, String> labels,
                       boolean attachable) {
    }

}
