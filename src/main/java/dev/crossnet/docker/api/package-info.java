/**
 * Docker's plugin wire format for remote network and IPAM drivers, as records with Docker's exact
 * JSON field names, and the one generic {@link dev.crossnet.docker.api.PluginDispatcher} that maps
 * a path to a handler. No networking, no store: handlers live in {@code dev.crossnet.docker}, the
 * socket in {@code dev.crossnet.docker.plugin}.
 */
package dev.crossnet.docker.api;
