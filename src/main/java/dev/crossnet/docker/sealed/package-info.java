/**
 * Encrypted Docker networks ({@code docker network create -d crossnet --opt encrypted}): the same
 * stretched L2 segment as a plain crossnet network ({@code dev.crossnet.docker.Datapath}), but the
 * bridge's port to other hosts is a TAP device served here, and every frame between hosts travels
 * sealed by {@code dev.crossnet.seal} (Noise IK, AES-256-GCM, host keys certified by the cluster
 * CA). Nothing here trusts the store: a host's certificate is read from it but verified against
 * the CA, and must name the host it is published for.
 *
 * <h2>How it works</h2>
 * Per host, once (when the host has a seal identity from {@code crossnet init}/{@code join}): one
 * UDP socket on {@code <underlay IP>:4793} for every encrypted network, one {@code Tunnels} (one
 * sealed tunnel per peer host, handshakes and keys as in {@code dev.crossnet.seal}), and the host's
 * certificate published at {@code <prefix>/docker/seals/<host>} = {@code {"Certificate": base64 DER}}.
 * Per encrypted network with a container here (VNI 4097, 192.168.110.0/24, underlay MTU 1500):
 * <pre>
 *   bridge  cnbr4097  192.168.110.1/24  mtu 1422   (1500 - 78: 20 IP + 8 UDP + 16 seal header + 4 VNI + 14 Ethernet + 16 tag)
 *   tap     cnsx4097  master cnbr4097   mtu 1422   (persistent; read and written by this agent, no vxlan device)
 *   table   per remote endpoint: MAC 02:42:c0:a8:6e:03 → IP 192.168.110.3 on host h2 (172.30.0.12)
 * </pre>
 * A frame read from the TAP: a unicast frame to a remote endpoint's MAC is sealed for that
 * endpoint's host and sent to its port 4793; an ARP request for a remote endpoint's address is
 * answered into the TAP (as the vxlan device's ARP proxy does); everything else, broadcasts above
 * all, stays on the host (dropped and counted). A datagram received: handshakes are answered; a
 * transport message is opened (type, key, tag, replay window, all before anything else); then the
 * inner check: the VNI must be an encrypted network with a segment here, and the frame unicast IPv4
 * or ARP whose source MAC is an endpoint of the sending host (the certificate's host) on that
 * network, with that endpoint's IPv4 address as the packet's source. Only then is it written to the
 * network's TAP.
 *
 * <h2>Wire format</h2>
 * A transport message of {@code dev.crossnet.seal} whose inner bytes are not an IP packet but:
 * <pre>
 *   0   VNI (4, big-endian; high byte 0)       encrypted and authenticated with the frame
 *   4   Ethernet frame (14-byte header + payload, no FCS)
 * </pre>
 * so the network a frame belongs to is secret and cannot be changed on the wire, and one port
 * serves every encrypted network. Handshakes are {@code dev.crossnet.seal}'s, unchanged.
 *
 * <h2>Fails closed</h2>
 * Without a seal identity the agent refuses {@code --opt encrypted} (create, or this host's copy
 * of a network made elsewhere), naming why. No frame is sent before a handshake completed (no key:
 * dropped as {@code no_session}), nor to a host without a verified certificate ({@code
 * no_peer_certificate}); no code path sends a frame unsealed. While the agent is down nothing reads
 * the TAP, so frames queue and drop in the kernel. A datagram that is not a valid transport
 * message of a current key is counted ({@code crossnet_seal_drops_total}) and never delivered;
 * {@code CROSSNET-DOCKER-IN} admits port 4793 only from peer hosts (strangers counted in {@code
 * crossnet_encap_dropped_packets_total{port="4793"}}). Plain and encrypted networks stay apart:
 * different bridges (the FORWARD isolation rules), and vxlan datagrams on 4789 find no vxlan device
 * for an encrypted network's VNI. Frame drops are counted in {@value
 * dev.crossnet.docker.sealed.SealedDatapath#DROPS} by {@link dev.crossnet.docker.sealed.FrameDrop}.
 *
 * <p>Trust: a store writer can move an endpoint record between certified hosts (as it can move
 * leases in flannel mode), and so redirect a container's traffic to another certified host, but it
 * cannot read traffic, pose as a host, or make a host accept frames from another host's endpoints.
 *
 * <h2>Speed</h2>
 * The udp backend's techniques, with its code ({@code dev.crossnet.backend.udp}'s {@code
 * SegmentTrains}, {@code TsoSplitter}, {@code TcpCoalescer}): the TAPs are opened with {@code
 * IFF_VNET_HDR} and TSO/checksum offloads, so a container's TCP reaches the agent as super-frames
 * of up to 64 KiB, split here into MSS-sized frames, each sealed on its own (its own counter) and
 * sent as one UDP GSO train; datagrams are received in batches with UDP GRO, each opened and
 * checked on its own exactly as above, and only then are in-order TCP frames of one flow behind
 * one Ethernet header coalesced into one GSO frame for the TAP. One thread per network reads its
 * TAP, one reads the socket, each with its own {@code PacketCipher}; nothing of ours is allocated
 * per frame (the JDK's GCM allocates about 1 KB per packet, see {@code PacketCipher}). {@code --docker-encrypted-offloads=false} (or a kernel that refuses the TAP offloads)
 * moves one frame per system call instead (docs/benchmarks.md, "Encrypted tunnels compared").
 */
package dev.crossnet.docker.sealed;
