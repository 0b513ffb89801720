package dev.crossnet.lab;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Which process holds a TCP listening socket, from {@code /proc}: the sockets of this process's
 * network namespace ({@code /proc/net/tcp}, {@code /proc/net/tcp6}) matched by inode against a
 * process's open files ({@code /proc/PID/fd}). Stateless; thread-safe; blocking (reads /proc).
 */
final class ListeningSockets {
    private static final String LISTEN = "0A"; // TCP_LISTEN in include/net/tcp_states.h

    private ListeningSockets() {
    }

    /**
     * Whether a socket listening on TCP {@code port} (any address) is open in {@code process} or
     * one of its descendants. False if there is no such listener, or it is another process's, or
     * the process has gone.
     */
    static boolean ownedBy(ProcessHandle process, int port) {
        Set<String> inodes = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            inodes.addAll(listenerInodes(read(Path.of(table)), port));
        }
        if (inodes.isEmpty()) {
            return false;
        }
        return Stream.concat(Stream.of(process), process.descendants())
                .anyMatch(p -> holdsAny(p.pid(), inodes));
    }

    /**
     * The inodes of the sockets in state LISTEN on {@code port} in a {@code /proc/net/tcp}-format
     * table. A row: {@code sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …},
     * the local address as hex {@code ADDR:PORT}.
     */
    static Set<String> listenerInodes(List<String> table, int port) {
        String hexPort = String.format(":%04X", port);
        Set<String> inodes = new HashSet<>();
        for (String line : table) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 9 && f[1].endsWith(hexPort) && f[3].equals(LISTEN)) {
                inodes.add(f[9]);
            }
        }
        return inodes;
    }

    private static boolean holdsAny(long pid, Set<String> inodes) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // closed since the listing
                }
                if (target.startsWith("socket:[") && inodes.contains(target.substring(8, target.length() - 1))) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false; // the process has gone
        }
    }

    private static List<String> read(Path table) {
        try {
            return Files.readAllLines(table);
        } catch (IOException e) {
            return List.of(); // no IPv6 in this kernel, say
        }
    }
}
