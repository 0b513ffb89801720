/**
 * Setting up a real host for crossnet: dockerd's {@code daemon.json} ({@link dev.crossnet.host.DockerDaemonConfig}).
 * Used by {@code crossnet init}, {@code join} and {@code docker-setup}; the lab runs its processes itself.
 */
package dev.crossnet.host;
