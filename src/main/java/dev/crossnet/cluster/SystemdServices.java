package dev.crossnet.cluster;

import dev.crossnet.CrossnetException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Services} as the units the Debian package installs, through {@code systemctl}. Only for a
 * host where systemd runs: check {@link #running()} first (a container or chroot has systemctl but
 * no systemd to talk to). Each unit reads its settings from {@code /etc/crossnet}.
 */
public final class SystemdServices implements Services {
    /** Runs one {@code systemctl} command line; tests pass a fake. */
    @FunctionalInterface
    public interface Systemctl {
        /** @return exit code and combined output */
        Result run(List<String> args);
    }

    public record Result(int exitCode, String output) {
    }

    private final Systemctl systemctl;

    public SystemdServices() {
        this(SystemdServices::systemctl);
    }

    public SystemdServices(Systemctl systemctl) {
        this.systemctl = systemctl;
    }

    /** Whether systemd is this machine's service manager (sd_booted(3): /run/systemd/system exists). */
    public static boolean running() {
        return running(Path.of("/"));
    }

    static boolean running(Path root) {
        return Files.isDirectory(root.resolve("run/systemd/system"));
    }

    @Override
    public void start(Service s) {
        enableAndStart(s.unit());
    }

    @Override
    public void stop(Service s) {
        stopAndDisable(s.unit());
    }

    @Override
    public boolean running(Service s) {
        return isActive(s.unit());
    }

    @Override
    public String logHint(Service s) {
        return "journalctl -u " + s.unit();
    }

    /** Starts {@code unit} now and at every boot. Idempotent: an enabled, running unit keeps running. */
    public void enableAndStart(String unit) {
        check(unit, "enable --now", systemctl.run(List.of("enable", "--now", unit)));
    }

    /** Restarts {@code unit} (starting it if stopped), so that it reads changed settings. */
    public void restart(String unit) {
        check(unit, "restart", systemctl.run(List.of("restart", unit)));
    }

    /** Stops {@code unit} and keeps it from starting at boot. Idempotent: a stopped, disabled or uninstalled unit is no error. */
    public void stopAndDisable(String unit) {
        Result r = systemctl.run(List.of("disable", "--now", unit));
        if (r.exitCode() != 0 && !notInstalled(r.output())) {
            check(unit, "disable --now", r);
        }
    }

    /** Whether {@code unit} is running now. */
    public boolean isActive(String unit) {
        return systemctl.run(List.of("is-active", "--quiet", unit)).exitCode() == 0;
    }

    private static boolean notInstalled(String out) {
        return out.contains("does not exist") || out.contains("not loaded") || out.contains("not found");
    }

    private static void check(String unit, String verb, Result r) {
        if (r.exitCode() != 0) {
            String why = r.output().strip();
            throw new CrossnetException("systemctl " + verb + " " + unit + " failed (exit " + r.exitCode() + ")"
                    + (why.isEmpty() ? "" : ": " + why) + "; see: journalctl -u " + unit);
        }
    }

    private static Result systemctl(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("systemctl");
        cmd.addAll(args);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
            p.getOutputStream().close();
            // systemctl returns by itself: a start that hangs ends at the unit's start timeout (90 s default).
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(p.waitFor(), out);
        } catch (IOException e) {
            return new Result(-1, "cannot run systemctl: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }
}
