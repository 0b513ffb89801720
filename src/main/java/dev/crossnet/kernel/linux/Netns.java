package dev.crossnet.kernel.linux;

import dev.crossnet.CrossnetException;
import dev.crossnet.sys.LibC;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Runs code inside a named network namespace ({@code /var/run/netns/NAME}, as {@code ip netns add}
 * makes them; or one given by the absolute path of its file, e.g. {@code /proc/PID/ns/net}) without leaving the JVM: a fresh thread calls {@code setns(fd, CLONE_NEWNET)} and
 * then the task, so that sockets, TUN devices and child processes ({@code ip …}) it creates belong
 * to that namespace. File descriptors created there keep their namespace and may be used from any
 * thread afterwards. The caller's own thread never changes namespace.
 *
 * <p>Thread-safe; needs {@code CAP_SYS_ADMIN}.
 */
public final class Netns {

    private static final Path NETNS_DIR = Path.of("/var/run/netns");

    private Netns() {
    }

    /**
     * Runs {@code task} on a new thread inside namespace {@code name} and returns its result;
     * blocks until it finishes. Exceptions thrown by the task are rethrown as they are (checked
     * ones wrapped in a {@link CrossnetException}).
     *
     * @throws CrossnetException when the namespace does not exist or cannot be entered
     */
    public static <T> T run(String name, Callable<T> task) {
        String path = NETNS_DIR.resolve(name).toString();
        FutureTask<T> f = new FutureTask<>(() -> {
            int fd = LibC.open(path, LibC.O_RDONLY | LibC.O_CLOEXEC);
            if (fd < 0) {
                throw new CrossnetException("network namespace " + name + ": cannot open " + path + ": " + LibC.lastError());
            }
            try {
                if (LibC.setns(fd, LibC.CLONE_NEWNET) != 0) {
                    throw new CrossnetException("network namespace " + name + ": setns: " + LibC.lastError());
                }
            } finally {
                LibC.close(fd);
            }
            return task.call();
        });
        Thread t = new Thread(f, "netns-" + name);
        t.start();
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrossnetException("interrupted while running in network namespace " + name, e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new CrossnetException("in network namespace " + name + ": " + c.getMessage(), c);
        }
    }

    /** {@link #run} for a task without a result. */
    public static void exec(String name, ThrowingRunnable task) {
        run(name, () -> {
            task.run();
            return null;
        });
    }

    /** A {@link Runnable} that may throw. */
    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }
}
