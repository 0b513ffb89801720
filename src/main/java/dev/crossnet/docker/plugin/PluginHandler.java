package dev.crossnet.docker.plugin;

import dev.crossnet.docker.api.PluginApi;
import dev.crossnet.docker.api.PluginDispatcher;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each Docker plugin call (a POST with a JSON body) to a {@link PluginDispatcher} and writes
 * its reply. Jetty does the HTTP: framing, keep-alive, chunked bodies, {@code Expect: 100-continue}.
 * Runs on Jetty's threads and blocks while the dispatcher works; thread-safe as the dispatcher is.
 */
final class PluginHandler extends Handler.Abstract {
    /**
     * dockerd base64-encodes both the request and the response body, up to 1 MiB each
     * ({@code pkg/authorization} maxBodySize), into one AuthZ call: about 2.7 MiB of JSON at most.
     */
    static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

    private static final Logger log = LoggerFactory.getLogger(PluginHandler.class);
    private final PluginDispatcher dispatcher;

    PluginHandler(PluginDispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!HttpMethod.POST.is(request.getMethod())) {
            reply(response, callback, 405, errorBody("method " + request.getMethod() + " not allowed: Docker plugin calls are POST"));
            return true;
        }
        long declared = request.getLength();
        if (declared > MAX_BODY_BYTES) {
            // Refused before the body is read; Jetty closes the connection rather than drain it.
            reply(response, callback, 413, errorBody("Content-Length " + declared + " is outside 0.." + MAX_BODY_BYTES));
            return true;
        }
        byte[] body;
        try (InputStream in = Content.Source.asInputStream(request)) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (body.length > MAX_BODY_BYTES) {
            reply(response, callback, 413, errorBody("request body exceeds " + MAX_BODY_BYTES + " bytes"));
            return true;
        }
        long start = System.nanoTime();
        PluginDispatcher.Reply r = dispatcher.dispatch(request.getHttpURI().getPath(), body);
        log.debug("{} answered {} in {} ms", request.getHttpURI().getPath(), r.status(), (System.nanoTime() - start) / 1_000_000);
        reply(response, callback, r.status(), r.body());
        return true;
    }

    private static void reply(Response response, Callback callback, int status, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, PluginApi.CONTENT_TYPE);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    static byte[] errorBody(String message) {
        String escaped = message.replace("\\", "\\\\").replace("\"", "\\\"").replaceAll("[\\x00-\\x1f]", "?");
        return ("{\"Err\":\"" + escaped + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /** Jetty's own errors (malformed framing, headers too large) in the plugin protocol's shape: {@code {"Err":...}}. */
    static final class ErrBodies extends ErrorHandler {
        @Override
        protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                        Callback callback) {
            String text = message != null ? message : cause != null ? cause.getMessage() : null;
            reply(response, callback, code, errorBody(text != null ? text : "HTTP " + code));
        }
    }
}
