/**
 * A small Docker Engine API client over the daemon's unix socket: {@link dev.crossnet.docker.engine.EngineClient}
 * is the HTTP/1.1 transport (requests, chunked answers, the {@code /events} stream), and
 * {@link dev.crossnet.docker.engine.Engine} the network calls crossnet makes to keep one network on
 * every host's dockerd. No plugin protocol here (that is {@code docker.api}); callers get records or
 * Jackson trees, never HTTP.
 */
package dev.crossnet.docker.engine;
