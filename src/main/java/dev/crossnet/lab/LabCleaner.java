package dev.crossnet.lab;

import dev.crossnet.CrossnetException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Tears a lab down from what the kernel and the disk show, not from what {@code up} finished: so it
 * also cleans up after an {@code up} that crashed half-way. Idempotent; blocking.
 *
 * <p>Order matters: processes first (a namespace with a live process outlives {@code ip netns del}
 * and keeps its devices), then the namespaces (which takes every veth, bridge and vxlan device in
 * them along), then the lab directory.
 */
final class LabCleaner {
    static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private LabCleaner() {
    }

    /**
     * What {@code down} removed.
     *
     * @param namespaces the namespaces deleted
     * @param pids       the processes stopped
     * @param dir        the lab directory, if there was one
     */
    record Report(List<String> namespaces, List<Long> pids, boolean dir) {
        boolean nothing() {
            return namespaces.isEmpty() && pids.isEmpty() && !dir;
        }
    }

    static Report down(String name, Path stateRoot) {
        LabNames names = new LabNames(name);
        Path dir = stateRoot.resolve(name);
        List<String> nss = Plumbing.listNamespaces(names.nsPrefix());
        LabDocker.stopAll(names, dir); // containers first, while the plugins still answer
        String marker = dir + "/"; // every agent and etcd of the lab has a path under dir in its arguments
        Set<Long> pids = new TreeSet<>(Processes.findByCommandLine(marker));
        for (String ns : nss) {
            pids.addAll(Plumbing.pids(ns));
        }
        List<Long> stopped = new ArrayList<>(Processes.stop(pids, STOP_GRACE));
        Plumbing.deleteNamespaces(nss);
        List<String> left = Plumbing.listNamespaces(names.nsPrefix());
        if (!left.isEmpty()) {
            throw new CrossnetException("lab " + name + ": could not delete namespaces " + left);
        }
        // Once more, for a process that was between exec calls during the first look; it must be
        // gone before the directory, or it recreates files there.
        stopped.addAll(Processes.stop(Processes.findByCommandLine(marker), STOP_GRACE));
        boolean hadDir = Files.exists(dir);
        deleteTree(dir);
        return new Report(nss, stopped, hadDir);
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new CrossnetException("cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }
}
