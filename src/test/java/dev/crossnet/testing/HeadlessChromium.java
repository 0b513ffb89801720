package dev.crossnet.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debian's {@code chromium}, headless, driven over its DevTools protocol with the JDK's WebSocket
 * client: one page, navigate, evaluate JavaScript, take a screenshot. Started with {@code
 * --no-sandbox} (tests run as root) and a fresh profile that {@link #close} removes; DevTools listens
 * on a port chromium chooses on 127.0.0.1. Calls block up to {@link #CALL} each; not thread-safe.
 */
public final class HeadlessChromium implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/chromium");
    static final Duration CALL = Duration.ofSeconds(30);
    private static final Duration START = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> calls = new ConcurrentHashMap<>();

    private HeadlessChromium(Process process, Path profile, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
    }

    /**
     * Starts chromium with a {@code width}x{@code height} window, its output appended to {@code log}.
     *
     * @throws IllegalStateException if it does not come up (the log says why)
     */
    public static HeadlessChromium start(Path log, int width, int height) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("crossnet-chromium");
        ProcessBuilder pb = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0", "--user-data-dir=" + profile, "--window-size=" + width + "," + height, "about:blank")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // No session bus on a test machine: an address that fails at once, instead of chromium's
        // seconds of D-Bus retries at start.
        pb.environment().put("DBUS_SESSION_BUS_ADDRESS", "disabled:");
        Process p = pb.start();
        try {
            // Chromium writes the port it chose to this file once DevTools listens.
            Path portFile = profile.resolve("DevToolsActivePort");
            long deadline = System.nanoTime() + START.toNanos();
            while (!Files.isRegularFile(portFile) || Files.readAllLines(portFile).isEmpty()) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("chromium did not open DevTools (exited: " + !p.isAlive() + "); see " + log);
                }
                Thread.sleep(50);
            }
            int port = Integer.parseInt(Files.readAllLines(portFile).get(0).strip());
            HttpClient http = HttpClient.newHttpClient();
            String pageSocket = null;
            while (pageSocket == null) {
                JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                for (JsonNode t : targets) {
                    if ("page".equals(t.path("type").asText())) {
                        pageSocket = t.path("webSocketDebuggerUrl").asText();
                        break;
                    }
                }
                if (pageSocket == null) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("chromium has no page target; see " + log);
                    }
                    Thread.sleep(50);
                }
            }
            HeadlessChromium[] self = new HeadlessChromium[1];
            Listener listener = new Listener(self);
            WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(pageSocket), listener).get(CALL.toSeconds(), TimeUnit.SECONDS);
            self[0] = new HeadlessChromium(p, profile, ws);
            return self[0];
        } catch (IOException | InterruptedException | RuntimeException e) {
            stop(p, profile);
            throw e;
        } catch (Exception e) {
            stop(p, profile);
            throw new IllegalStateException("cannot connect to chromium's DevTools: " + e, e);
        }
    }

    /** Loads {@code url} in the page (returns once the navigation is committed, not when it has rendered). */
    public void navigate(String url) {
        JsonNode r = call("Page.navigate", JSON.createObjectNode().put("url", url));
        if (r.hasNonNull("errorText")) {
            throw new IllegalStateException("chromium cannot open " + url + ": " + r.get("errorText").asText());
        }
    }

    /**
     * Evaluates {@code expression} in the page and returns its value, as JSON.
     *
     * @throws IllegalStateException if it throws in the page
     */
    public JsonNode evaluate(String expression) {
        JsonNode r = call("Runtime.evaluate", JSON.createObjectNode().put("expression", expression).put("returnByValue", true));
        if (r.has("exceptionDetails")) {
            throw new IllegalStateException("in the page: " + r.get("exceptionDetails"));
        }
        return r.path("result").path("value");
    }

    /** A PNG of the whole page, beyond the window if it is longer. */
    public byte[] screenshot() {
        JsonNode r = call("Page.captureScreenshot", JSON.createObjectNode().put("format", "png").put("captureBeyondViewport", true));
        return Base64.getDecoder().decode(r.get("data").asText());
    }

    private JsonNode call(String method, ObjectNode params) {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        calls.put(id, answer);
        ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
        msg.set("params", params);
        try {
            socket.sendText(msg.toString(), true).get(CALL.toSeconds(), TimeUnit.SECONDS);
            JsonNode r = answer.get(CALL.toSeconds(), TimeUnit.SECONDS);
            if (r.has("error")) {
                throw new IllegalStateException(method + ": " + r.get("error"));
            }
            return r.path("result");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw e instanceof IllegalStateException ise ? ise : new IllegalStateException(method + ": " + e, e);
        } finally {
            calls.remove(id);
        }
    }

    @Override
    public void close() {
        socket.abort();
        stop(process, profile);
    }

    private static void stop(Process p, Path profile) {
        // Chromium's own helpers (zygote, GPU, network service, renderers) are its descendants: list them while it
        // still runs (an exited process has none to list), and leave none behind writing into the profile.
        List<ProcessHandle> helpers = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            for (ProcessHandle h : helpers) {
                h.destroyForcibly();
                h.onExit().get(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // a helper that does not go within 10 s: the walk below may then miss what it still writes
        }
        try (var s = Files.walk(profile)) {
            for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // a temp directory: the next boot clears it (a file that vanished during the walk is no failure of the test)
        }
    }

    /** Collects each message's parts and answers the call with its id; events are ignored. */
    private static final class Listener implements WebSocket.Listener {
        private final HeadlessChromium[] self;
        private final StringBuilder text = new StringBuilder();

        Listener(HeadlessChromium[] self) {
            this.self = self;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                try {
                    JsonNode m = JSON.readTree(text.toString());
                    if (m.has("id") && self[0] != null) {
                        CompletableFuture<JsonNode> f = self[0].calls.get(m.get("id").asInt());
                        if (f != null) {
                            f.complete(m);
                        }
                    }
                } catch (IOException e) {
                    // not JSON: nothing of ours
                } finally {
                    text.setLength(0);
                }
            }
            ws.request(1);
            return null;
        }
    }
}
