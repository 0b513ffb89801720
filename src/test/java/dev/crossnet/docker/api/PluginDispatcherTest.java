package dev.crossnet.docker.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.CrossnetException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PluginDispatcherTest {
    private final AtomicInteger calls = new AtomicInteger();
    private final PluginDispatcher d = new PluginDispatcher().implement(IpamApi.IMPLEMENTS)
            .route(IpamApi.RELEASE_ADDRESS, IpamApi.ReleaseAddressRequest.class, req -> {
                calls.incrementAndGet();
                if (req.address().equals("boom")) {
                    throw new IllegalStateException("kaput");
                }
                if (req.address().equals("refuse")) {
                    throw new CrossnetException("address refuse is not an IP address");
                }
                return new IpamApi.ReleaseAddressResponse(null);
            });

    private PluginDispatcher.Reply call(String path, String body) {
        return d.dispatch(path, body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void activate_listsImplementedInterfaces_evenForGoNullBody() {
        PluginDispatcher.Reply r = call("/Plugin.Activate", "null\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("{\"Implements\":[\"IpamDriver\"]}");
    }

    @Test
    void dispatch_validRequest_callsHandlerAndOmitsEmptyError() {
        PluginDispatcher.Reply r = call(IpamApi.RELEASE_ADDRESS, "{\"PoolID\":\"p@1\",\"Address\":\"10.0.0.2\",\"Extra\":1}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("{}");
        assertThat(calls).hasValue(1);
    }

    @Test
    void dispatch_malformedJson_400WithErrAndNoCall() {
        PluginDispatcher.Reply r = call(IpamApi.RELEASE_ADDRESS, "{\"PoolID\":");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.bodyText()).startsWith("{\"Err\":\"IpamDriver.ReleaseAddress: malformed JSON");
        assertThat(call(IpamApi.RELEASE_ADDRESS, "{} {}").status()).isEqualTo(400);
        assertThat(call(IpamApi.RELEASE_ADDRESS, "[1,2]").status()).isEqualTo(400);
        assertThat(calls).hasValue(0);
    }

    @Test
    void dispatch_missingOrEmptyRequiredField_namesTheWireField() {
        assertThat(call(IpamApi.RELEASE_ADDRESS, "{\"Address\":\"10.0.0.2\"}").bodyText())
                .isEqualTo("{\"Err\":\"IpamDriver.ReleaseAddress: PoolID is required\"}");
        assertThat(call(IpamApi.RELEASE_ADDRESS, "{\"PoolID\":\"p\",\"Address\":\"\"}").bodyText()).contains("Address is required");
        assertThat(call(IpamApi.RELEASE_ADDRESS, "").status()).isEqualTo(400);
        assertThat(calls).hasValue(0);
    }

    @Test
    void dispatch_wrongFieldType_namesTheField() {
        PluginDispatcher.Reply r = call(IpamApi.RELEASE_ADDRESS, "{\"PoolID\":{\"x\":1},\"Address\":\"a\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.bodyText()).contains("field PoolID");
    }

    @Test
    void dispatch_unknownPath_404ListingRoutes() {
        PluginDispatcher.Reply r = call("/NetworkDriver.Join", "{}");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.bodyText()).contains("unknown plugin method /NetworkDriver.Join").contains(IpamApi.RELEASE_ADDRESS);
    }

    @Test
    void dispatch_handlerThrows_500WithErrNeverCrashes() {
        assertThat(call(IpamApi.RELEASE_ADDRESS, "{\"PoolID\":\"p\",\"Address\":\"refuse\"}").bodyText())
                .isEqualTo("{\"Err\":\"address refuse is not an IP address\"}");
        PluginDispatcher.Reply r = call(IpamApi.RELEASE_ADDRESS, "{\"PoolID\":\"p\",\"Address\":\"boom\"}");
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.bodyText()).contains("internal error in IpamDriver.ReleaseAddress").contains("kaput");
    }

    @Test
    void unavailable_pathWithoutRouteGetsTheMessage_routedPathsStillAnswer_untilCleared() {
        d.unavailable("agent not ready: no lease");
        PluginDispatcher.Reply r = call("/NetworkDriver.CreateNetwork", "{}");
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.bodyText()).isEqualTo("{\"Err\":\"NetworkDriver.CreateNetwork: agent not ready: no lease\"}");
        assertThat(call(IpamApi.RELEASE_ADDRESS, "{\"PoolID\":\"p\",\"Address\":\"10.0.0.2\"}").status()).isEqualTo(200);
        d.unavailable(null);
        assertThat(call("/NetworkDriver.CreateNetwork", "{}").status()).isEqualTo(404);
    }
}
