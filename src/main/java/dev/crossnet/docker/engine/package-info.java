/**
 * A small Docker Engine API client over the daemon's unix socket: {@link dev.crossnet.docker.engine.EngineClient}
 * carries requests and the {@code /events} stream over Jetty's HTTP client, and
 * {@link dev.crossnet.docker.engine.Engine} the network calls crossnet makes to keep one network on
 * every host's dockerd. No HTTP parsing and no plugin protocol here (that is {@code docker.api});
 * callers get records or Jackson trees, never HTTP.
 */
package dev.crossnet.docker.engine;
