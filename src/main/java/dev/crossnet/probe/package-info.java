/**
 * The overlay probe: each agent sends a small UDP echo ({@link dev.crossnet.probe.ProbePacket}, 24 bytes) every
 * round ({@link dev.crossnet.probe.OverlayProbe#INTERVAL}, longer in clusters of more than 40 hosts so that no host
 * sends more than {@link dev.crossnet.probe.OverlayProbe#ECHOES_PER_SECOND} echoes a second) to every peer and answers the peers' echoes, so each host knows
 * which peers it reaches over the overlay and the last round-trip time ({@link dev.crossnet.probe.PeerProbes}).
 *
 * <h2>Addresses</h2>
 * Every backend gives each host one overlay address, the network address of its lease (host {@code 10.5.1.0/24}
 * has {@code 10.5.1.0}): vxlan on its device {@code crossnet.<VNI>} (as flannel does; it is also the peers' gateway
 * for the subnet), udp on its TUN device {@code crossnet0}, host-gw on the bridge {@code crossnet-gw} it makes
 * for this. The probe binds there, on UDP port {@link dev.crossnet.probe.OverlayProbe#PORT}, and sends from there to
 * each peer's overlay address ({@link dev.crossnet.probe.ProbeTarget}), so an echo and its answer take the peer
 * routes the backend programmed (vxlan: the route via the peer's VTEP, encapsulated; udp: the TUN and this process's
 * datapath; host-gw: the route via the peer's PublicIP) and an answer proves both directions of the overlay work.
 * The network address is never a container's, so containers' traffic and the probe's never meet.
 *
 * <h2>Bounds</h2>
 * Nothing listens on 0.0.0.0: only the overlay address. An echo is answered only when it comes from inside the flannel
 * Network and is well formed, and at most {@link dev.crossnet.probe.OverlayProbe#MAX_ANSWERS} (or two per peer) per round. One echo
 * per peer per round; answers are matched by sequence number, so a stray or replayed answer gives no RTT. Nothing
 * here touches the kernel or the store: the agent gives the lease and the peers and reads the results.
 */
package dev.crossnet.probe;
