/**
 * A small client of the Docker Engine API: the few network calls crossnet makes to keep one
 * network on every host's dockerd. {@link dev.crossnet.docker.engine.Engine} is the seam, the
 * unix-socket HTTP client the mechanism. No plugin protocol here (that is {@code docker.api}).
 */
package dev.crossnet.docker.engine;
