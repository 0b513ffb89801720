package dev.crossnet.backend.udp;

import dev.crossnet.CrossnetException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The few iproute2 calls the udp backend needs on its TUN device, each idempotent. They run in
 * the calling thread's network namespace. Kept private to this package until the kernel layer's
 * {@code Links}/{@code Routes} land; then these become calls to those.
 */
final class IpCommands {

    private static final long TIMEOUT_SECONDS = 10;

    private IpCommands() {
    }

    /** {@code ip link set dev DEV mtu MTU up}. Idempotent. */
    static void ensureLinkUp(String dev, int mtu) {
        ip("link", "set", "dev", dev, "mtu", Integer.toString(mtu), "up");
    }

    /**
     * Makes {@code cidr} the only IPv4 address on {@code dev}: adds it, then removes any other
     * (left by an earlier lease). Idempotent.
     */
    static void replaceOnlyAddress(String dev, String cidr) {
        ip("addr", "replace", cidr, "dev", dev);
        for (String line : ip("-o", "-4", "addr", "show", "dev", dev).split("\n")) {
            String[] f = line.trim().split("\\s+");
            for (int i = 0; i + 1 < f.length; i++) {
                if (f[i].equals("inet") && !f[i + 1].equals(cidr)) {
                    ip("addr", "del", f[i + 1], "dev", dev);
                }
            }
        }
    }

    /**
     * Throws unless {@code dev} is absent or a TUN device ({@code ip -d link show} says
     * {@code tun type tun}). Read-only.
     */
    static void requireTunOrAbsent(String dev) {
        String out;
        try {
            out = ip("-d", "-o", "link", "show", "dev", dev);
        } catch (CrossnetException e) {
            if (e.getMessage().contains("does not exist")) {
                return;
            }
            throw e;
        }
        if (!out.contains(" tun type tun ")) {
            throw new CrossnetException("a link called " + dev + " exists and is not a TUN device; delete it (ip link del "
                    + dev + ") or run the udp backend elsewhere");
        }
    }

    /** {@code ip route replace CIDR dev DEV src SRC}. Idempotent. */
    static void replaceRoute(String cidr, String dev, String src) {
        ip("route", "replace", cidr, "dev", dev, "src", src);
    }

    private static String ip(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("ip");
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new CrossnetException("`" + String.join(" ", cmd) + "` did not finish in " + TIMEOUT_SECONDS + " s");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new CrossnetException("`" + String.join(" ", cmd) + "` failed: " + out.trim());
            }
            return out;
        } catch (IOException e) {
            throw new CrossnetException("cannot run `" + String.join(" ", cmd) + "`: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrossnetException("interrupted running `" + String.join(" ", cmd) + "`", e);
        }
    }
}
