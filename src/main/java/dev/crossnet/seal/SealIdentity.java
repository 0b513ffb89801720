package dev.crossnet.seal;

/**
 * This host's side of the sealed datapath: its static X25519 private key (32 raw bytes, secret),
 * its host certificate (DER, public: peers get it from the store) and the cluster CA certificate
 * that peers' certificates must chain to (DER or PEM). Immutable; the arrays are copied in and out.
 */
public record SealIdentity(byte[] staticPrivate, byte[] certificate, byte[] caCertificate) {
    public SealIdentity {
        if (staticPrivate == null || staticPrivate.length != X25519.KEY_BYTES) {
            throw new IllegalArgumentException("the static private key must be " + X25519.KEY_BYTES + " bytes");
        }
        staticPrivate = staticPrivate.clone();
        certificate = certificate.clone();
        caCertificate = caCertificate.clone();
    }

    @Override
    public byte[] staticPrivate() {
        return staticPrivate.clone();
    }

    @Override
    public byte[] certificate() {
        return certificate.clone();
    }

    @Override
    public byte[] caCertificate() {
        return caCertificate.clone();
    }

    /** Never prints the private key. */
    @Override
    public String toString() {
        return "SealIdentity[certificate " + certificate.length + " bytes]";
    }
}
