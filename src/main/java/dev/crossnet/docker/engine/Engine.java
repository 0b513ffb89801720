package dev.crossnet.docker.engine;

import java.util.List;
import java.util.Optional;

/**
 * The network calls of one dockerd's Engine API. Blocking; thread-safe. Failures (daemon down,
 * an error answer) throw {@link dev.crossnet.CrossnetException} with Docker's message.
 */
public interface Engine {

    /** The networks of {@code driver}, without their containers ({@code GET /networks}). */
    List<EngineNetwork> networks(String driver);

    /** One network with its containers, by ID or name; empty when there is none. */
    Optional<EngineNetwork> network(String idOrName);

    /** Creates a network; returns its ID. */
    String createNetwork(EngineNetwork.Spec spec);

    /** Removes a network; a missing one is not an error. */
    void removeNetwork(String idOrName);
}
