package dev.crossnet.dashboard;

/**
 * Server-sent event framing (WHATWG HTML, "Server-sent events"): one {@code data:} line per line of
 * the payload, a blank line ending the event. Pure.
 */
final class SseFrames {
    /** Browsers reconnect this long after the stream breaks (an agent restart), instead of their ~3 s. */
    static final int RETRY_MILLIS = 1000;

    private SseFrames() {
    }

    /** An event of type {@code type} ({@code null}: the default "message") carrying {@code data}. */
    static String event(String type, String data) {
        StringBuilder b = new StringBuilder(data.length() + 32);
        if (type != null) {
            requireSingleLine(type);
            b.append("event: ").append(type).append('\n');
        }
        // CR, LF and CRLF all end a line in the stream; each line of the payload gets its own field.
        for (String line : data.split("\r\n|\r|\n", -1)) {
            b.append("data: ").append(line).append('\n');
        }
        return b.append('\n').toString();
    }

    /** The first frame of a stream: the reconnection delay. */
    static String retry() {
        return "retry: " + RETRY_MILLIS + "\n\n";
    }

    /** A comment, which clients ignore: keeps idle connections open and finds dead ones. */
    static String comment(String text) {
        requireSingleLine(text);
        return ": " + text + "\n\n";
    }

    private static void requireSingleLine(String s) {
        if (s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("an SSE field value cannot span lines: " + s);
        }
    }
}
