package dev.crossnet.cni;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;

/**
 * Asks the agent's {@code GET /readyz} (its {@code --healthz-ip}:{@code --healthz-port}): 200 is
 * ready; any other status is not, with the agent's reply as the reason; no answer within
 * {@link #TIMEOUT_MS} is not ready either. Plain {@link HttpURLConnection}: one request per STATUS,
 * and nothing more to load into the plugin's short-lived JVM. Thread-safe.
 */
public final class HttpAgentReadiness implements AgentReadiness {
    static final int TIMEOUT_MS = 3000;
    private static final int MAX_REASON = 300;

    @Override
    public String notReady(String hostPort) {
        String url = "http://" + hostPort + "/readyz";
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) new URL(url).openConnection(java.net.Proxy.NO_PROXY);
            c.setConnectTimeout(TIMEOUT_MS);
            c.setReadTimeout(TIMEOUT_MS);
            int status = c.getResponseCode();
            if (status == 200) {
                return null;
            }
            String body = "";
            try (InputStream err = c.getErrorStream()) {
                if (err != null) {
                    body = new String(err.readNBytes(MAX_REASON), StandardCharsets.UTF_8).strip().replace('\n', ' ');
                }
            }
            return "the crossnet agent at " + url + " answers " + status + (body.isEmpty() ? "" : ": " + body);
        } catch (IOException e) {
            return "the crossnet agent does not answer at " + url + " (" + e.getMessage()
                    + "): is it running on this host, with this --healthz-ip and --healthz-port?";
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }
}
