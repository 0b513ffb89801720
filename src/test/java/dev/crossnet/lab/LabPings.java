package dev.crossnet.lab;

import static org.awaitility.Awaitility.await;

import dev.crossnet.lab.LabState.ContainerState;
import java.time.Duration;
import java.util.List;

/** Pings between a lab's containers (busybox ping in the container's namespace), shared by the lab ITs. */
final class LabPings {
    private LabPings() {
    }

    /** One ping of up to 1 s from container {@code from} to {@code ip}; true if answered. */
    static boolean ping(Lab lab, String from, String ip) {
        return lab.exec(from, Duration.ofSeconds(5), "busybox", "ping", "-c1", "-W1", ip).exit() == 0;
    }

    /** Waits, up to {@code atMost} per pair, until every container of the lab answers a ping from every other. */
    static void awaitEveryPair(Lab lab, Duration atMost) {
        List<ContainerState> all = containers(lab);
        for (ContainerState from : all) {
            for (ContainerState to : all) {
                if (from != to) {
                    await(from.name() + " -> " + to.name()).atMost(atMost).pollInterval(Duration.ofMillis(200))
                            .until(() -> ping(lab, from.name(), to.ip()));
                }
            }
        }
    }

    /** Every container of the lab, host by host. */
    static List<ContainerState> containers(Lab lab) {
        return lab.state().hosts().stream().flatMap(h -> h.containers().stream()).toList();
    }
}
