package dev.crossnet.cluster;

import dev.crossnet.CrossnetException;
import dev.crossnet.pki.Pem;
import dev.crossnet.seal.SealIdentity;
import dev.crossnet.seal.X25519;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Optional;

/**
 * The sealed datapath's files in a host's config directory: {@code seal.key} (the static X25519
 * private key, base64 of its 32 raw bytes, mode 0600, never leaves the host) and {@code seal.crt}
 * (its certificate from the cluster CA, PEM, public). {@code init} and {@code join} write them; the
 * agent reads them when the network config asks for {@code Backend.Encrypt}.
 */
public final class SealFiles {
    static final String KEY = "seal.key";
    static final String CERT = "seal.crt";

    private SealFiles() {
    }

    /** A new static key for this host, not yet written. */
    static byte[] newKey() {
        return X25519.generatePrivate();
    }

    /** Writes {@code seal.key} (0600, must not exist yet) and {@code seal.crt}. */
    static void write(Path dir, byte[] privateKey, X509Certificate cert, Undo undo) {
        undo.addDelete(dir.resolve(KEY));
        Pem.writeSecret(dir.resolve(KEY), Base64.getEncoder().encodeToString(privateKey) + "\n");
        undo.addDelete(dir.resolve(CERT));
        ClusterInit.writeNew(dir.resolve(CERT), Pem.certificate(cert));
    }

    /**
     * This host's seal identity from {@code dir}, or empty when {@code init}/{@code join} made none
     * there (a cluster made before encryption existed, or no cluster).
     *
     * @throws CrossnetException when the files exist but cannot be read
     */
    public static Optional<SealIdentity> load(Path dir) {
        Path key = dir.resolve(KEY);
        Path cert = dir.resolve(CERT);
        Path ca = new ClusterConfig.Layout(dir).caCert();
        if (!Files.isRegularFile(key) || !Files.isRegularFile(cert) || !Files.isRegularFile(ca)) {
            return Optional.empty();
        }
        try {
            byte[] raw = Base64.getDecoder().decode(Files.readString(key, StandardCharsets.US_ASCII).strip());
            if (raw.length != X25519.KEY_BYTES) {
                throw new CrossnetException(key + " does not hold a " + X25519.KEY_BYTES + "-byte X25519 key");
            }
            X509Certificate c = Pem.readCertificate(cert);
            X509Certificate caCert = Pem.readCertificate(ca);
            return Optional.of(new SealIdentity(raw, c.getEncoded(), caCert.getEncoded()));
        } catch (IOException | IllegalArgumentException | CertificateEncodingException e) {
            throw new CrossnetException("cannot read the seal key files in " + dir + ": " + e.getMessage(), e);
        }
    }
}
