package dev.crossnet.cluster;

import dev.crossnet.CrossnetException;
import dev.crossnet.pki.ClusterCa;
import dev.crossnet.pki.Pem;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The join endpoint service of the init host: a {@link JoinServer} answering with a {@link JoinAuthority}, until SIGTERM. */
public final class JoinEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(JoinEndpoint.class);

    private JoinEndpoint() {
    }

    /** Serves until the JVM is asked to stop. Blocks. */
    public static void serve(Path dir, Clock clock) throws InterruptedException {
        ClusterConfig cfg = ClusterAdmin.require(dir);
        if (!cfg.initHost() || cfg.listenAddr() == null) {
            throw new CrossnetException("join-endpoint: this host is not the init host; joins go to " + cfg.joinAddr());
        }
        ClusterConfig.Layout files = new ClusterConfig.Layout(dir);
        ClusterCa ca = ClusterCa.load(files.caCert(), files.caKey(), clock);
        InetSocketAddress listen = ClusterInit.listenAddr(cfg.listenAddr(), cfg.advertiseAddr());
        JoinAuthority authority = new JoinAuthority(dir, ca, clock);
        JoinServer server;
        try {
            server = new JoinServer(listen, Pem.readPrivateKey(files.hostKey()), Pem.readCertificate(files.hostCert()),
                    ca.certificate(), authority::handle);
        } catch (IOException e) {
            throw new CrossnetException("join endpoint: cannot listen on " + cfg.listenAddr() + ": " + e.getMessage(), e);
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stop.countDown();
        }));
        server.start();
        LOG.info("join endpoint listening on {}", cfg.listenAddr());
        stop.await();
    }
}
