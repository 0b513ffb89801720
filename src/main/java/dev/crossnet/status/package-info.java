/**
 * What each host's agent says about itself in the store and the cluster-wide view built from it. Each agent keeps
 * two kinds of record under {@code /crossnet/cluster/}: its presence ({@link dev.crossnet.status.AgentPresence}: an
 * alive key with a TTL and a state record) and its report ({@link dev.crossnet.status.HostReport}, with a TTL: backend
 * and mode, the peers it probed over the overlay, its current errors). {@link dev.crossnet.status.ClusterStatusReader}
 * joins them with the leases and the Docker networks into a {@link dev.crossnet.status.ClusterStatus}, the document of
 * {@code crossnet status --json} and the dashboard.
 * Nothing here probes or touches the kernel: the measurements come from the agent ({@code dev.crossnet.probe}).
 */
package dev.crossnet.status;
