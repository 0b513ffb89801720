/**
 * A small Docker Engine API client: HTTP/1.1 over the daemon's unix socket, enough to inspect
 * networks and containers and to follow {@code /events}. No Docker types leak out of here except
 * the parsed {@link dev.crossnet.docker.engine.EngineEvent}; callers get Jackson trees.
 */
package dev.crossnet.docker.engine;
