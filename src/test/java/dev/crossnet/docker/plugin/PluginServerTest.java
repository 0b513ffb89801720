package dev.crossnet.docker.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import dev.crossnet.docker.AuthzHandler;
import dev.crossnet.docker.DockerStore;
import dev.crossnet.docker.api.IpamApi;
import dev.crossnet.docker.api.PluginDispatcher;
import dev.crossnet.store.sqlite.SqliteStore;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginServerTest {
    @TempDir
    Path tmp;

    private final PluginDispatcher dispatcher = new PluginDispatcher().implement(IpamApi.IMPLEMENTS)
            .route(IpamApi.GET_CAPABILITIES, Object.class, req -> new IpamApi.CapabilitiesResponse(false, false, null));

    @Test
    void start_socketIsOwnerOnly_andRemovedOnClose() throws Exception {
        Path sock = tmp.resolve("plugins/crossnet.sock");
        try (PluginServer s = PluginServer.start(sock, dispatcher)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock))).isEqualTo("rw-------");
            try (Var dir = new Var(sock.getParent())) {
                assertThat(dir.entries()).containsExactly("crossnet.sock"); // no temp dir left behind
            }
        }
        assertThat(sock).doesNotExist();
    }

    @Test
    void serve_keepAliveAndChunkedAndExpectContinue() throws Exception {
        Path sock = tmp.resolve("p.sock");
        try (PluginServer s = PluginServer.start(sock, dispatcher); RawPluginClient c = new RawPluginClient(sock)) {
            assertThat(c.post("/Plugin.Activate", "null").body()).isEqualTo("{\"Implements\":[\"IpamDriver\"]}");
            assertThat(c.post(IpamApi.GET_CAPABILITIES, "{}").body()).contains("RequiresMACAddress");
            c.send("POST /IpamDriver.GetCapabilities HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(100); // the body is sent only after it, as curl does
            c.send("1\r\n{\r\n1;ext=1\r\n}\r\n0\r\n\r\n");
            RawPluginClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).contains("RequiresRequestReplay");
        }
    }

    /** dockerd 20.10 sends {@code Host:} with no value; Jetty alone answers 400 "Blank Host" and dockerd will not start. */
    @Test
    void serve_blankHostAsDockerdSendsIt_answered() throws Exception {
        Path sock = tmp.resolve("p.sock");
        try (PluginServer s = PluginServer.start(sock, dispatcher); RawPluginClient c = new RawPluginClient(sock)) {
            c.send("POST /Plugin.Activate HTTP/1.1\r\nHost: \r\nUser-Agent: Go-http-client/1.1\r\nContent-Length: 4\r\n"
                    + "Accept: application/vnd.docker.plugins.v1.2+json\r\n\r\nnull");
            RawPluginClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"Implements\":[\"IpamDriver\"]}");
        }
    }

    @Test
    void serve_brokenFraming_400WithErrThenClose() throws Exception {
        Path sock = tmp.resolve("p.sock");
        try (PluginServer s = PluginServer.start(sock, dispatcher); RawPluginClient c = new RawPluginClient(sock)) {
            c.send("POST /Plugin.Activate HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n");
            RawPluginClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.body()).isEqualTo("{\"Err\":\"Invalid Content-Length Value\"}");
            assertThat(c.closedByPeer()).isTrue();
        }
        try (PluginServer s = PluginServer.start(sock, dispatcher); RawPluginClient c = new RawPluginClient(sock)) {
            c.send("GET /Plugin.Activate HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(405);
        }
    }

    @Test
    void start_staleSocketReplaced_liveSocketRefused_regularFileRefused() throws Exception {
        Path sock = tmp.resolve("p.sock");
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(sock));
        dead.close(); // the file stays, nobody listens: a crashed server's leftover
        try (PluginServer s = PluginServer.start(sock, dispatcher)) {
            assertThatThrownBy(() -> PluginServer.start(sock, dispatcher))
                    .isInstanceOf(CrossnetException.class).hasMessageContaining("in use by another running plugin server");
            try (RawPluginClient c = new RawPluginClient(sock)) {
                assertThat(c.post("/Plugin.Activate", "").status()).isEqualTo(200); // the refusal did not break it
            }
        }
        Path file = Files.writeString(tmp.resolve("f.sock"), "x");
        assertThatThrownBy(() -> PluginServer.start(file, dispatcher)).hasMessageContaining("is not a socket");
        assertThat(Files.readString(file)).isEqualTo("x");
    }

    /** dockerd base64-encodes request bodies of up to 1 MiB into AuthZReq: about 1.4 MiB of JSON. Was a 400 over 1 MiB. */
    @Test
    void serve_authzRequestOf1_5MiB_andResponseWithBothBodies_answered_over4MiB_refused() throws Exception {
        try (SqliteStore store = SqliteStore.open(tmp.resolve("store.db"))) {
            PluginDispatcher authz = new AuthzHandler(new DockerStore(store, "/p"), "h1").register(new PluginDispatcher());
            byte[] raw = new byte[1180 * 1024];
            new java.util.Random(1).nextBytes(raw);
            String b64 = java.util.Base64.getEncoder().encodeToString(raw);
            String req = "{\"User\":\"\",\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.41/containers/create\","
                    + "\"RequestHeaders\":{\"Content-Type\":\"application/json\"},\"RequestBody\":\"" + b64 + "\"}";
            assertThat(req.length()).isGreaterThan(1536 * 1024);
            String res = req.substring(0, req.length() - 1) + ",\"ResponseStatusCode\":200,\"ResponseBody\":\"" + b64 + "\"}";
            Path sock = tmp.resolve("p.sock");
            try (PluginServer s = PluginServer.start(sock, authz); RawPluginClient c = new RawPluginClient(sock)) {
                RawPluginClient.Response r = c.post("/AuthZPlugin.AuthZReq", req);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("{\"Allow\":true}");
                r = c.post("/AuthZPlugin.AuthZRes", res);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("{\"Allow\":true}");
            }
            try (PluginServer s = PluginServer.start(sock, authz); RawPluginClient c = new RawPluginClient(sock)) {
                c.send("POST /AuthZPlugin.AuthZReq HTTP/1.1\r\nHost: x\r\nContent-Length: " + (4 * 1024 * 1024 + 1) + "\r\n\r\n");
                RawPluginClient.Response r = c.read(); // refused before the body is read
                assertThat(r.status()).isEqualTo(413);
                assertThat(r.body()).contains("outside 0..4194304");
            }
        }
    }

    /** Lists a directory's entry names. */
    private record Var(Path dir) implements AutoCloseable {
        java.util.List<String> entries() throws java.io.IOException {
            try (var s = Files.list(dir)) {
                return s.map(p -> p.getFileName().toString()).toList();
            }
        }

        @Override
        public void close() {
        }
    }
}
