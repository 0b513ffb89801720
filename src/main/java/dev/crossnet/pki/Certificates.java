package dev.crossnet.pki;

import dev.crossnet.CrossnetException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;

/** Checks on certificates the cluster CA issued. Stateless, thread-safe. */
public final class Certificates {
    private Certificates() {
    }

    /** Whether {@code cert}'s signature verifies with {@code ca}'s key (validity dates not checked). */
    public static boolean signedBy(X509Certificate cert, X509Certificate ca) {
        try {
            cert.verify(ca.getPublicKey());
            return cert.getIssuerX500Principal().equals(ca.getSubjectX500Principal());
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * Checks that {@code cert} was signed by {@code ca} and is valid at {@code now}.
     *
     * @throws CrossnetException saying which check failed
     */
    public static void verify(X509Certificate cert, X509Certificate ca, Instant now) {
        if (!signedBy(cert, ca)) {
            throw new CrossnetException("certificate " + cert.getSubjectX500Principal() + " is not signed by the cluster CA");
        }
        try {
            cert.checkValidity(Date.from(now));
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            throw new CrossnetException("certificate " + cert.getSubjectX500Principal() + " is not valid now: " + e.getMessage());
        }
    }

    /** The CN of a certificate's subject, or its whole subject if it has none. */
    public static String commonName(X509Certificate cert) {
        for (String part : cert.getSubjectX500Principal().getName().split(",")) {
            if (part.startsWith("CN=")) {
                return part.substring(3);
            }
        }
        return cert.getSubjectX500Principal().getName();
    }

    /** Writes a new world-readable file (certificates are public). */
    static void writePublic(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.US_ASCII, java.nio.file.StandardOpenOption.CREATE_NEW);
        } catch (IOException e) {
            throw new CrossnetException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
