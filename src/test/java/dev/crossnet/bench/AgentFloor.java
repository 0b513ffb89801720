package dev.crossnet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.LoggerFactory;

/**
 * The floor under the agent's memory: a JVM that runs only what every agent runs besides crossnet's
 * own code, each used once (a Jetty server on loopback, answered once; Jackson reading and writing a
 * lease; logging through SLF4J/logback; the store client: SQLite JDBC with a query, or jetcd with a
 * put, a get and a watch), then idle. Prints its {@code VmRSS} after {@code SECONDS}. Run it with the
 * agent's JVM flags (docs/benchmarks.md, "One agent, 1000 peers"):
 * <pre>
 * java $AGENT_JVM_OPTS -cp target/classes:target/test-classes:$(cat target/cp.txt) dev.crossnet.bench.AgentFloor embedded|ENDPOINT [SECONDS]
 * </pre>
 */
public final class AgentFloor {
    private AgentFloor() {
    }

    public static void main(String[] args) throws Exception {
        dev.crossnet.cli.Main.class.getName(); // nothing of crossnet runs; only its logging set-up is on the class path
        System.setProperty("org.eclipse.jetty.util.referencesPerCacheLine", "16");
        LoggerFactory.getLogger(AgentFloor.class).info("floor: {}", args[0]);
        QueuedThreadPool threads = new QueuedThreadPool(8, 2);
        threads.setDaemon(true);
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.setStatus(200);
                response.write(true, ByteBuffer.wrap("ok\n".getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
        });
        server.start();
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", connector.getLocalPort())) {
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            System.out.println("http: " + reply.lines().findFirst().orElse(""));
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode lease = json.readTree("{\"PublicIP\":\"100.64.0.1\",\"BackendType\":\"vxlan\",\"BackendData\":{\"VNI\":1,"
                + "\"VtepMAC\":\"02:00:00:00:00:01\"}}");
        String text = json.writeValueAsString(lease);
        if (args[0].equals("embedded")) {
            Path db = Files.createTempFile("floor", ".db");
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)");
                s.execute("INSERT INTO kv VALUES ('lease', '" + text + "')");
                try (ResultSet r = s.executeQuery("SELECT v FROM kv")) {
                    r.next();
                    System.out.println("sqlite: " + r.getString(1));
                }
            }
            Files.delete(db);
        } else {
            dev.crossnet.store.etcd.JetcdDefaults.apply();
            Client client = Client.builder().endpoints(args[0]).build();
            ByteSequence key = ByteSequence.from("/floor/lease", StandardCharsets.UTF_8);
            Watch.Watcher w = client.getWatchClient().watch(key, WatchOption.DEFAULT, r -> { });
            client.getKVClient().put(key, ByteSequence.from(text, StandardCharsets.UTF_8)).get();
            System.out.println("etcd: " + client.getKVClient().get(key).get().getKvs().get(0).getValue().toString(StandardCharsets.UTF_8));
        }
        Thread.sleep(Long.parseLong(args.length > 1 ? args[1] : "30") * 1000);
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS") || l.startsWith("Threads")) {
                System.out.println(l);
            }
        }
        System.out.flush();
        if (args.length > 2) {
            Thread.sleep(Long.parseLong(args[2]) * 1000);
        }
        System.exit(0);
    }
}
