package dev.crossnet.seal;

import dev.crossnet.model.Subnet;
import java.time.Instant;
import java.util.List;

/**
 * What a verified host certificate says about its host: its name, its static X25519 public key
 * (32 raw bytes), the subnets whose addresses it may use as inner sources, and when the
 * certificate expires. Immutable.
 */
public record PeerIdentity(String hostName, byte[] staticKey, List<Subnet> subnets, Instant notAfter) {
    public PeerIdentity {
        if (hostName == null || hostName.isEmpty()) {
            throw new IllegalArgumentException("hostName is empty");
        }
        if (staticKey == null || staticKey.length != X25519.KEY_BYTES) {
            throw new IllegalArgumentException("staticKey must be " + X25519.KEY_BYTES + " bytes");
        }
        staticKey = staticKey.clone();
        subnets = List.copyOf(subnets);
    }

    @Override
    public byte[] staticKey() {
        return staticKey.clone();
    }
}
