/**
 * Setting up a real host for crossnet: its service manager ({@link dev.crossnet.host.Services}, the
 * units the .deb installs) and dockerd's {@code daemon.json} ({@link dev.crossnet.host.DockerDaemonConfig}).
 * Used by {@code crossnet init}, {@code join} and {@code docker-setup}; the lab runs its processes itself.
 */
package dev.crossnet.host;
