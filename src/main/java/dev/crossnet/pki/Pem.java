package dev.crossnet.pki;

import dev.crossnet.CrossnetException;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * PEM text for certificates and private keys. Keys are written as unencrypted PKCS#8 ({@code
 * BEGIN PRIVATE KEY}), which etcd, etcdctl and netty all read. Stateless, thread-safe.
 */
public final class Pem {
    private Pem() {
    }

    public static String certificates(List<X509Certificate> certs) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            for (X509Certificate c : certs) {
                w.writeObject(c);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    public static String certificate(X509Certificate cert) {
        return certificates(List.of(cert));
    }

    public static String privateKey(PrivateKey key) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(new JcaPKCS8Generator(key, null));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }

    /**
     * Parses every certificate in {@code pem}, in order.
     *
     * @param what names the source in errors, e.g. the file
     * @throws CrossnetException if there is none or one is malformed
     */
    public static List<X509Certificate> parseCertificates(String pem, String what) {
        List<X509Certificate> out = new ArrayList<>();
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
            for (Object o = p.readObject(); o != null; o = p.readObject()) {
                if (o instanceof X509CertificateHolder h) {
                    out.add(conv.getCertificate(h));
                }
            }
        } catch (IOException | CertificateException e) {
            throw new CrossnetException(what + ": not a PEM certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new CrossnetException(what + ": holds no PEM certificate");
        }
        return out;
    }

    public static X509Certificate parseCertificate(String pem, String what) {
        return parseCertificates(pem, what).get(0);
    }

    /** Parses a PKCS#8 or traditional (SEC1/PKCS#1) private key. */
    public static PrivateKey parsePrivateKey(String pem, String what) {
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            Object o = p.readObject();
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            if (o instanceof PrivateKeyInfo info) {
                return conv.getPrivateKey(info);
            }
            if (o instanceof PEMKeyPair kp) {
                return conv.getKeyPair(kp).getPrivate();
            }
            throw new CrossnetException(what + ": holds no unencrypted PEM private key");
        } catch (IOException e) {
            throw new CrossnetException(what + ": not a PEM private key: " + e.getMessage(), e);
        }
    }

    public static X509Certificate readCertificate(Path file) {
        return parseCertificate(read(file), file.toString());
    }

    public static PrivateKey readPrivateKey(Path file) {
        return parsePrivateKey(read(file), file.toString());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new CrossnetException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code text} to a new file readable by its owner only (mode 0600 from the start, so a
     * key is never readable by others, not even briefly).
     *
     * @throws CrossnetException if the file exists or cannot be written
     */
    public static void writeSecret(Path file, String text) {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, text, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new CrossnetException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
