package dev.crossnet.lab;

import static dev.crossnet.testing.ByteSearch.indexOf;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A tcpdump on a lab host's underlay interface ({@code eth0}) into a pcap file, and readers of
 * what it caught (Ethernet/IPv4 frames). {@link #start} returns once tcpdump listens; {@link
 * #close()} stops it and deletes the file.
 */
public final class UnderlayCapture implements AutoCloseable {
    private final Process dump;
    private final Path file;

    private UnderlayCapture(Process dump, Path file) {
        this.dump = dump;
        this.file = file;
    }

    /**
     * Starts {@code tcpdump -i eth0 -n -U -s 0 -w file ARGS} in {@code host}'s namespace (ARGS: e.g.
     * {@code -c 3} and a filter expression) and waits until it listens.
     */
    public static UnderlayCapture start(Lab lab, String host, Path file, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("tcpdump", "-Z", "root", "-i", "eth0", "-n", "-U", "-s", "0", "-w", file.toString()));
        cmd.addAll(List.of(args));
        Process dump = lab.spawn(host, cmd.toArray(String[]::new));
        BufferedReader err = new BufferedReader(new InputStreamReader(dump.getErrorStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = err.readLine()) != null) {
            if (line.contains("listening on")) {
                return new UnderlayCapture(dump, file);
            }
        }
        throw new IllegalStateException("tcpdump ended before it listened (exit " + dump.exitValue() + ")");
    }

    /** Waits for a tcpdump started with {@code -c N} to end by itself. */
    void awaitExit(Duration atMost) throws InterruptedException {
        if (!dump.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("tcpdump did not catch its packets within " + atMost);
        }
    }

    /** Stops tcpdump; what it wrote stays readable. Idempotent. */
    public void stop() throws InterruptedException {
        dump.destroy();
        dump.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException, IOException {
        stop();
        Files.deleteIfExists(file);
    }

    /** The frames of the pcap file so far (a record tcpdump is still writing is left out). */
    List<byte[]> frames() throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.exists(file) ? Files.readAllBytes(file) : new byte[0]);
        List<byte[]> out = new ArrayList<>();
        if (b.remaining() < 24) {
            return out;
        }
        b.order(b.getInt(0) == 0xa1b2c3d4 || b.getInt(0) == 0xa1b23c4d ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int at = 24;
        while (at + 16 <= b.limit()) {
            int incl = b.getInt(at + 8);
            if (incl < 0 || at + 16 + incl > b.limit()) {
                break;
            }
            byte[] f = new byte[incl];
            b.get(at + 16, f);
            out.add(f);
            at += 16 + incl;
        }
        return out;
    }

    /** How many frames hold {@code needle} anywhere. */
    public int countContaining(byte[] needle) throws IOException {
        int n = 0;
        for (byte[] f : frames()) {
            if (indexOf(f, needle) >= 0) {
                n++;
            }
        }
        return n;
    }

    /** The UDP payloads of frames from {@code srcIp:srcPort}. */
    public List<byte[]> udpPayloadsFrom(int srcIp, int srcPort) throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (byte[] f : frames()) {
            int udp = udpOffset(f);
            ByteBuffer b = ByteBuffer.wrap(f);
            if (udp > 0 && b.getInt(14 + 12) == srcIp && (b.getShort(udp) & 0xffff) == srcPort) {
                out.add(udpPayload(f, udp));
            }
        }
        return out;
    }

    /** The UDP payloads of frames from {@code srcIp} to port {@code dstPort}. */
    public List<byte[]> udpPayloadsFromTo(int srcIp, int dstPort) throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (byte[] f : frames()) {
            int udp = udpOffset(f);
            ByteBuffer b = ByteBuffer.wrap(f);
            if (udp > 0 && b.getInt(14 + 12) == srcIp && (b.getShort(udp + 2) & 0xffff) == dstPort) {
                out.add(udpPayload(f, udp));
            }
        }
        return out;
    }

    /** The UDP payloads of frames to or from {@code port}. */
    public List<byte[]> udpPayloadsOnPort(int port) throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (byte[] f : frames()) {
            int udp = udpOffset(f);
            ByteBuffer b = ByteBuffer.wrap(f);
            if (udp > 0 && ((b.getShort(udp) & 0xffff) == port || (b.getShort(udp + 2) & 0xffff) == port)) {
                out.add(udpPayload(f, udp));
            }
        }
        return out;
    }

    /** Frames whose outer IPv4 source or destination lies in {@code network/prefix}: an overlay packet in clear. */
    public List<byte[]> ipv4Inside(int network, int prefix) throws IOException {
        int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
        List<byte[]> out = new ArrayList<>();
        for (byte[] f : frames()) {
            ByteBuffer b = ByteBuffer.wrap(f);
            if (f.length >= 34 && b.getShort(12) == 0x0800
                    && ((b.getInt(26) & mask) == (network & mask) || (b.getInt(30) & mask) == (network & mask))) {
                out.add(f);
            }
        }
        return out;
    }

    private static int udpOffset(byte[] f) {
        ByteBuffer b = ByteBuffer.wrap(f);
        if (f.length < 14 + 28 || b.getShort(12) != 0x0800 || (f[14] & 0xf0) != 0x40 || f[14 + 9] != 17) {
            return -1;
        }
        return 14 + (f[14] & 0x0f) * 4;
    }

    private static byte[] udpPayload(byte[] f, int udp) {
        int len = (ByteBuffer.wrap(f).getShort(udp + 4) & 0xffff) - 8;
        return Arrays.copyOfRange(f, udp + 8, Math.min(f.length, udp + 8 + len));
    }
}
