package dev.crossnet.cluster;

import dev.crossnet.CrossnetException;
import dev.crossnet.pki.CaDigest;
import dev.crossnet.pki.Certificates;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509TrustManager;

/**
 * The joiner's side of the join endpoint. The TLS handshake trusts exactly one CA: the one in the
 * endpoint's chain whose digest is the token's ({@link DigestPinningTrustManager}); the endpoint's
 * certificate must be signed by it. Only after that handshake is anything sent, the secret included.
 */
final class JoinClient {
    static final int CONNECT_TIMEOUT_MS = 10_000;
    /** The endpoint may wait for a learner to catch up before it answers. */
    static final int READ_TIMEOUT_MS = 180_000;

    private JoinClient() {
    }

    static JoinMessages.Response send(InetSocketAddress endpoint, JoinToken token, JoinMessages.Request req) {
        String where = endpoint.getAddress().getHostAddress() + ":" + endpoint.getPort();
        DigestPinningTrustManager tm = new DigestPinningTrustManager(token.caDigest());
        SSLContext ctx;
        try {
            ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(null, new javax.net.ssl.TrustManager[] {tm}, null);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        try (Socket raw = new Socket()) {
            raw.connect(endpoint, CONNECT_TIMEOUT_MS);
            raw.setSoTimeout(READ_TIMEOUT_MS);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, endpoint.getHostString(), endpoint.getPort(), true)) {
                s.setEnabledProtocols(new String[] {"TLSv1.3"});
                try {
                    s.startHandshake();
                } catch (SSLException e) {
                    if (tm.refusal != null) {
                        throw new CrossnetException("the join endpoint at " + where + " " + tm.refusal + "; nothing was sent");
                    }
                    throw new CrossnetException("TLS handshake with the join endpoint at " + where + " failed: " + e.getMessage()
                            + "; nothing was sent");
                }
                OutputStream out = s.getOutputStream();
                out.write((JoinMessages.write(req) + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                InputStream in = s.getInputStream();
                byte[] answer = in.readNBytes(1 << 20);
                if (answer.length == 0) {
                    throw new CrossnetException("the join endpoint at " + where + " closed the connection without an answer");
                }
                return JoinMessages.JSON.readValue(answer, JoinMessages.Response.class);
            }
        } catch (ConnectException | NoRouteToHostException e) {
            throw new CrossnetException("cannot reach the join endpoint at " + where + ": " + e.getMessage()
                    + " (is crossnet init done there, and is the address and port right?)");
        } catch (SocketTimeoutException e) {
            throw new CrossnetException("the join endpoint at " + where + " did not answer in time (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new CrossnetException("join endpoint at " + where + ": " + e.getMessage());
        }
    }

    /** Trusts a server chain only if it carries a CA with the expected digest that signed the server's certificate. */
    static final class DigestPinningTrustManager implements X509TrustManager {
        private final String digest;
        volatile String refusal;
        volatile X509Certificate ca;

        DigestPinningTrustManager(String digest) {
            this.digest = digest;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            for (X509Certificate c : chain) {
                if (CaDigest.matches(c, digest)) {
                    if (!Certificates.signedBy(chain[0], c)) {
                        refusal = "shows the right CA but a certificate it did not sign";
                        throw new CertificateException(refusal);
                    }
                    ca = c;
                    return;
                }
            }
            refusal = "shows a CA whose digest does not match the token's (a token of another cluster, or not the endpoint"
                    + " you meant)";
            throw new CertificateException(refusal);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
