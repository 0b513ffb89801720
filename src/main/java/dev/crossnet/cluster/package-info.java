/**
 * A cluster of real hosts: {@code crossnet init} and {@code join}, the join token and the TLS join
 * endpoint, the host's config directory, the etcd members (who is a voter, a learner or a client),
 * and the seam ({@link dev.crossnet.cluster.Services}) through which the host's long-running
 * processes are started: as plain processes (the lab) or as systemd units (a packaged install).
 * Certificates come from {@link dev.crossnet.pki}; the store from {@link dev.crossnet.store}.
 */
package dev.crossnet.cluster;
