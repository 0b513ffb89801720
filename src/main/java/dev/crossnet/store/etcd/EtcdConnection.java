package dev.crossnet.store.etcd;

import dev.crossnet.store.StoreException;
import dev.crossnet.store.StoreSpec;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;

/**
 * One jetcd client plus the retry policy every store operation goes through: each attempt is
 * bounded by {@link StoreSpec#timeout()}, failures that may be transient (unreachable, timed out)
 * are retried with exponential backoff, and everything else (auth, TLS, bad request) fails at once
 * with a message naming the endpoints. Thread-safe.
 */
final class EtcdConnection implements AutoCloseable {
    static final int ATTEMPTS = 4;
    /** Backoff before attempt n (n ≥ 2) is BASE_BACKOFF × 2^(n-2): 250, 500, 1000 ms. */
    static final Duration BASE_BACKOFF = Duration.ofMillis(250);

    private final StoreSpec spec;
    // Replaced together by replaceEndpoints; read without a lock (each call takes one snapshot of the client).
    private volatile Client client;
    private volatile List<URI> endpointList;
    private volatile String endpoints;
    /** Completes when the client last replaced by {@link #replaceEndpoints} has been closed (tests wait on it). */
    volatile CompletableFuture<Void> retired = CompletableFuture.completedFuture(null);
    private final String user;
    private final Duration timeout;
    /** All attempts of one call end by this much after it started: 2.5 timeouts (12.5 s at the default 5 s). */
    private final Duration budget;
    private volatile boolean closed;

    EtcdConnection(StoreSpec spec) {
        if (spec.endpoints().isEmpty()) {
            throw new StoreException("etcd store: no endpoints given");
        }
        this.spec = spec;
        this.endpointList = List.copyOf(spec.endpoints());
        this.endpoints = describe(endpointList);
        this.user = spec.username();
        this.timeout = spec.timeout() != null ? spec.timeout() : Duration.ofSeconds(5);
        this.budget = timeout.multipliedBy(5).dividedBy(2);
        this.client = build(endpointList);
    }

    private static String describe(List<URI> urls) {
        return urls.stream().map(URI::toString).collect(Collectors.joining(","));
    }

    private Client build(List<URI> urls) {
        JetcdDefaults.apply();
        ClientBuilder b = Client.builder()
                .endpoints(urls.toArray(new URI[0]))
                .connectTimeout(timeout)
                // Fail fast while disconnected instead of queueing, and let call() own retries:
                // jetcd's own retries would multiply with ours and blow the time bound.
                .waitForReady(false)
                .retryMaxAttempts(0);
        if (spec.username() != null) {
            b.user(bytes(spec.username())).password(bytes(spec.password() == null ? "" : spec.password()));
        }
        boolean https = spec.endpoints().stream().anyMatch(u -> "https".equals(u.getScheme()));
        if (https || spec.caFile() != null || spec.certFile() != null) {
            b.sslContext(sslContext(spec));
        }
        return b.build();
    }

    /** The endpoints calls go to now. */
    List<URI> endpointList() {
        return endpointList;
    }

    /**
     * Points every later call at {@code urls} (same TLS files and credentials), if that set differs
     * from the current one. The old client serves the calls already in flight for one call's time
     * budget, then closes; the caller moves the watches ({@link EtcdWatch#moveToCurrentClient}).
     *
     * @return whether the endpoints changed
     */
    synchronized boolean replaceEndpoints(List<URI> urls) {
        if (closed || urls.isEmpty() || new java.util.HashSet<>(urls).equals(new java.util.HashSet<>(endpointList))) {
            return false;
        }
        Client old = client;
        client = build(urls);
        endpointList = List.copyOf(urls);
        endpoints = describe(endpointList);
        retired = CompletableFuture.runAsync(old::close, CompletableFuture.delayedExecutor(budget.toMillis(), TimeUnit.MILLISECONDS));
        return true;
    }

    private io.netty.handler.ssl.SslContext sslContext(StoreSpec spec) {
        String which = "CA file " + spec.caFile();
        try {
            SslContextBuilder ssl = GrpcSslContexts.forClient();
            if (spec.caFile() != null) {
                ssl.trustManager(spec.caFile().toFile());
            }
            if (spec.certFile() != null) {
                which = "client certificate " + spec.certFile() + " / key " + spec.keyFile()
                        + " (the key must be unencrypted PEM PKCS#8: openssl pkcs8 -topk8 -nocrypt)";
                ssl.keyManager(spec.certFile().toFile(), spec.keyFile().toFile());
            }
            return ssl.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new StoreException("etcd at " + endpoints + ": cannot load TLS " + which + ": " + e.getMessage(), e);
        }
    }

    Client client() {
        return client;
    }

    /** The endpoint URLs, comma-separated, for messages. */
    String endpoints() {
        return endpoints;
    }

    Duration timeout() {
        return timeout;
    }

    /**
     * Runs {@code op} (which starts one attempt) until it succeeds, retrying transient failures.
     * Blocks.
     *
     * @param what what is being done, for messages: {@code get /a}
     */
    <T> T call(String what, Supplier<CompletableFuture<T>> op) {
        long deadline = System.nanoTime() + budget.toNanos();
        String lastReason = "no attempt made";
        int attempt = 0;
        while (attempt < ATTEMPTS) {
            if (closed) {
                throw new StoreException("etcd store " + endpoints + " is closed");
            }
            if (attempt > 0) {
                long backoff = BASE_BACKOFF.toMillis() << (attempt - 1);
                if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff) >= deadline) {
                    break;
                }
                sleep(backoff);
            }
            attempt++;
            long left = Math.min(timeout.toNanos(), deadline - System.nanoTime());
            CompletableFuture<T> f = op.get();
            try {
                return f.get(Math.max(left, 1), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                f.cancel(true);
                lastReason = "no answer within " + timeout.toMillis() + " ms";
            } catch (ExecutionException | CompletionException | CancellationException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                Failure kind = classify(cause);
                if (kind != Failure.TRANSIENT) {
                    throw fatal(kind, what, cause);
                }
                lastReason = reason(cause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                f.cancel(true);
                throw new StoreException("etcd at " + endpoints + ": interrupted during " + what, e);
            }
        }
        throw new StoreException("cannot reach etcd at " + endpoints + " after " + attempt + " attempt"
                + (attempt == 1 ? "" : "s") + ": " + lastReason + " (during " + what + ")");
    }

    enum Failure { TRANSIENT, AUTH, TLS, OTHER }

    static Failure classify(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SSLException || c instanceof java.security.cert.CertificateException) {
                return Failure.TLS;
            }
        }
        // etcd's auth errors arrive wrapped (jetcd's token fetch fails first, as UNAUTHENTICATED
        // or INVALID_ARGUMENT), so look at the text of the whole chain before the status codes.
        for (Throwable c = t; c != null; c = c.getCause()) {
            String msg = String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT);
            if (msg.contains("authentication failed") || msg.contains("user name is empty")
                    || msg.contains("invalid auth token") || msg.contains("permission denied")
                    || msg.contains("user name not found")) {
                return Failure.AUTH;
            }
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            Status.Code code = null;
            if (c instanceof EtcdException ee) {
                code = Status.Code.valueOf(ee.getErrorCode().name());
            } else if (c instanceof StatusRuntimeException se) {
                code = se.getStatus().getCode();
            }
            if (code != null) {
                switch (code) {
                    case UNAVAILABLE:
                    case DEADLINE_EXCEEDED:
                    case ABORTED:
                        return Failure.TRANSIENT;
                    case UNAUTHENTICATED:
                    case PERMISSION_DENIED:
                        return Failure.AUTH;
                    default:
                        return Failure.OTHER;
                }
            }
            if (c instanceof java.io.IOException) {
                return Failure.TRANSIENT;
            }
        }
        return Failure.OTHER;
    }

    private StoreException fatal(Failure kind, String what, Throwable cause) {
        switch (kind) {
            case AUTH:
                return new StoreException("etcd at " + endpoints + " rejected "
                        + (user == null ? "the request without credentials (is auth enabled? give --etcd-username/--etcd-password)"
                                : "user \"" + user + "\" (wrong user name or password, or no permission)")
                        + ": " + reason(cause), cause);
            case TLS:
                return new StoreException("TLS handshake with etcd at " + endpoints + " failed (check --etcd-cafile,"
                        + " --etcd-certfile, --etcd-keyfile and the server's certificate): " + reason(cause), cause);
            default:
                return new StoreException("etcd at " + endpoints + ": " + what + " failed: " + reason(cause), cause);
        }
    }

    /** The most telling message in a cause chain: "connection refused" beats gRPC's "io exception". */
    static String reason(Throwable t) {
        String deepest = t.getMessage();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConnectException) {
                String m = String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT);
                return m.contains("refused") ? "connection refused" : m;
            }
            if (c instanceof SSLException) {
                return c.getMessage();
            }
            if (c.getMessage() != null) {
                deepest = c.getMessage();
            }
        }
        return deepest == null ? t.getClass().getSimpleName() : deepest;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis); // backoff between attempts of a blocking call; nothing to wait on
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while retrying", e);
        }
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    static String string(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        closed = true;
        client.close();
    }
}
