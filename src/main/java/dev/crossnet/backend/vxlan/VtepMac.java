package dev.crossnet.backend.vxlan;

import inet.ipaddr.IPAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The VTEP MAC of a host, derived from its PublicIP and the VNI, so that it is the same after an
 * agent restart and after the device is deleted and re-created. A MAC that changes strands peers
 * with a stale FDB entry until they see the new lease (flannel #533).
 */
public final class VtepMac {

    /** Bit 1 of the first octet: locally administered (not a vendor OUI). */
    private static final int LOCALLY_ADMINISTERED = 0x02;
    /** Bit 0 of the first octet: group (multicast) address; cleared for a unicast MAC. */
    private static final int MULTICAST = 0x01;

    private VtepMac() {
    }

    /**
     * A locally administered unicast MAC, e.g. {@code 4e:1f:…}; a pure function of its arguments.
     * It is the first six bytes of SHA-256 over the UTF-8 text {@code crossnet-vtep/IP/VNI} (IP in
     * canonical form, without a prefix length), with bit 0 of the first octet cleared and bit 1 set.
     * Changing this changes every host's MAC on upgrade, so it is pinned by known values in the tests.
     */
    public static String derive(IPAddress publicIp, int vni) {
        byte[] h;
        try {
            h = MessageDigest.getInstance("SHA-256").digest(("crossnet-vtep/" + publicIp.withoutPrefixLength()
                    .toCanonicalString() + "/" + vni).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        byte[] mac = new byte[6];
        System.arraycopy(h, 0, mac, 0, mac.length);
        mac[0] = (byte) ((mac[0] & ~MULTICAST) | LOCALLY_ADMINISTERED);
        return HexFormat.ofDelimiter(":").formatHex(mac);
    }
}
