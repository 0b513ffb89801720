package dev.crossnet.backend.udp;

import dev.crossnet.tun.LinuxTun;
import dev.crossnet.tun.TunDevice;
import dev.crossnet.udp.Bind;
import dev.crossnet.udp.LinuxUdp;

/**
 * What the udp datapath needs from the system: its TUN device and UDP socket, opened afresh for
 * each start or restart. The seam the unit tests replace with channel fakes. The device's address,
 * MTU and route are the {@link dev.crossnet.kernel.Kernel}'s business, not this one's. Blocking;
 * runs in the calling thread's network namespace.
 */
interface DatapathIo {

    /**
     * Opens the socket and the device (socket first: a taken port fails before the device is made).
     *
     * @throws dev.crossnet.CrossnetException when either cannot be opened; nothing is left open then
     */
    Opened open();

    /** An open device and socket, and a description of the offloads in force (for the log). */
    record Opened(TunDevice tun, Bind bind, String mode) implements AutoCloseable {
        /** Closes both file descriptors; a persistent device stays. Idempotent. */
        @Override
        public void close() {
            tun.close();
            bind.close();
        }
    }

    /** The kernel's TUN device and a {@link LinuxUdp} socket. */
    final class Linux implements DatapathIo {
        private final long local;
        private final int batch;
        private final UdpBackend.Offload offload;

        Linux(long local, int batch, UdpBackend.Offload offload) {
            this.local = local;
            this.batch = batch;
            this.offload = offload;
        }

        @Override
        public Opened open() {
            boolean wantUdp = offload == UdpBackend.Offload.TUN_AND_UDP;
            LinuxUdp sock = LinuxUdp.open(local, batch, wantUdp);
            LinuxTun tun;
            try {
                tun = LinuxTun.open(UdpBackend.DEVICE, offload != UdpBackend.Offload.NONE && batch > 1);
            } catch (RuntimeException e) {
                sock.close();
                throw e;
            }
            if (!tun.vnetHdr()) {
                sock.disableGro(); // the plain loops read one datagram per buffer
            }
            return new Opened(tun, sock, mode(tun, sock));
        }

        private String mode(LinuxTun tun, LinuxUdp socket) {
            if (batch == 1) {
                return "per-packet mode (no offloads)";
            }
            return "batched mode (recvmmsg/sendmmsg up to " + batch + "); TUN offloads "
                    + (tun.vnetHdr() ? "on (IFF_VNET_HDR, TSO split, TCP coalescing)" : "off (one packet per syscall)")
                    + "; UDP GSO " + (socket.gso() && tun.vnetHdr() ? "on" : "off") + "; UDP GRO " + (socket.gro() ? "on" : "off")
                    + (offload != UdpBackend.Offload.TUN_AND_UDP ? " (offloads limited to " + offload + ")" : "");
        }
    }
}
