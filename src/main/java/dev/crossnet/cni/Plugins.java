package dev.crossnet.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The CNI plugins crossnet delegates to, found in {@code CNI_PATH}. */
public interface Plugins {

    /**
     * Runs plugin {@code type} for {@code command}, with {@code env}'s container, namespace and
     * interface, and {@code conf} on its stdin. Blocks until the plugin exits.
     *
     * @return its result (ADD), or null when it printed nothing (DEL, CHECK)
     * @throws CniError the plugin's own error result, or crossnet's when the plugin is missing or
     *     printed no error result
     */
    JsonNode run(String type, CniEnv.Command command, CniEnv env, ObjectNode conf) throws CniError;
}
