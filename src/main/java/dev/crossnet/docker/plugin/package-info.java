/**
 * Serves a {@link dev.crossnet.docker.api.PluginDispatcher} to Docker over HTTP/1.1 on a unix
 * socket that only root can open. Transport only: what a request means is the dispatcher's
 * business.
 */
package dev.crossnet.docker.plugin;
