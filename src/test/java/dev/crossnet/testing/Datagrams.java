package dev.crossnet.testing;

import dev.crossnet.udp.Endpoints;
import inet.ipaddr.IPAddressString;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Receiving test datagrams: only a timeout means "nothing arrived"; any other socket error fails the test. */
public final class Datagrams {
    private Datagrams() {
    }

    /** The next datagram's payload as ASCII, or null when the socket's timeout passed with none. */
    public static String receiveOrNull(DatagramSocket s) throws IOException {
        DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        try {
            s.receive(p);
        } catch (SocketTimeoutException e) {
            return null;
        }
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
    }

    /** A dotted quad as the int the datapath uses. */
    public static int ip(String dotted) {
        return Endpoints.ipv4(new IPAddressString(dotted).getAddress());
    }
}
