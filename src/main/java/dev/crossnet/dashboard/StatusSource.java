package dev.crossnet.dashboard;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Where the dashboard gets the cluster status document (the shape of {@code crossnet status --json}:
 * {@code takenAt}, {@code from}, {@code store}, {@code network}, {@code hosts}, {@code networks}).
 */
@FunctionalInterface
public interface StatusSource {
    /**
     * Builds the document as of now. Blocking (it may read the store); called from several threads.
     *
     * @throws RuntimeException when no document can be built; the dashboard reports its message
     */
    JsonNode current();
}
