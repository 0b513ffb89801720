package dev.crossnet.seal;

/** A host certificate that does not verify; the message says why (issuer, signature, dates, profile). */
public final class CertificateRejected extends Exception {
    private static final long serialVersionUID = 1L;

    public CertificateRejected(String message) {
        super(message);
    }

    public CertificateRejected(String message, Throwable cause) {
        super(message, cause);
    }
}
