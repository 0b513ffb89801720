package dev.crossnet.sys;

import java.nio.ByteBuffer;

/**
 * A batch of outgoing messages, each described as a list of pieces of direct buffers rather than
 * one contiguous buffer, for scatter-gather writes ({@code sendmmsg} with several iovecs per
 * message, {@code writev}): headers can come from a scratch buffer and payloads from wherever they
 * already are, so nothing is copied together in userspace before the kernel copies it once.
 *
 * <p>Messages are built one after another: {@link #begin} opens a message, {@link #add} appends a
 * piece to the message opened last. Each message also carries a destination (for sockets; packed
 * as {@code dev.crossnet.udp.Endpoints}) and a segment size (UDP GSO: the kernel cuts the message
 * into datagrams of that size; 0 for one datagram). The batch has a fixed capacity and is reused:
 * {@link #clear} after each send. Pieces must stay valid until then. Not thread-safe;
 * allocation-free after construction.
 */
public final class GatherBatch {

    private final int maxMessages;
    private final int maxPieces;
    private final ByteBuffer[] pieceBuffers;
    private final int[] pieceOffsets;
    private final long[] pieceAddresses;
    private final int[] pieceLengths;
    private final int[] firstPiece; // per message; firstPiece[messages] == pieces
    private final int[] bytes;
    private final int[] segments;
    private final long[] dests;
    private int messages;
    private int pieces;

    /** A batch of at most {@code maxMessages} messages holding at most {@code maxPieces} pieces in all. */
    public GatherBatch(int maxMessages, int maxPieces) {
        if (maxMessages < 1 || maxPieces < 1) {
            throw new IllegalArgumentException("a gather batch needs room for a message and a piece");
        }
        this.maxMessages = maxMessages;
        this.maxPieces = maxPieces;
        this.pieceBuffers = new ByteBuffer[maxPieces];
        this.pieceOffsets = new int[maxPieces];
        this.pieceAddresses = new long[maxPieces];
        this.pieceLengths = new int[maxPieces];
        this.firstPiece = new int[maxMessages + 1];
        this.bytes = new int[maxMessages];
        this.segments = new int[maxMessages];
        this.dests = new long[maxMessages];
    }

    public int maxMessages() {
        return maxMessages;
    }

    public int maxPieces() {
        return maxPieces;
    }

    /** Whether a new message with {@code n} pieces fits. */
    public boolean canBegin(int n) {
        return messages < maxMessages && pieces + n <= maxPieces;
    }

    /** Whether {@code n} more pieces fit in the open message. */
    public boolean canAdd(int n) {
        return messages > 0 && pieces + n <= maxPieces;
    }

    /**
     * Opens a message to {@code dest} that the kernel is to cut into datagrams of {@code segment}
     * bytes (0: one datagram).
     *
     * @throws IllegalStateException when the batch holds {@link #maxMessages()} messages already
     */
    public void begin(long dest, int segment) {
        if (messages == maxMessages) {
            throw new IllegalStateException("gather batch full: " + maxMessages + " messages");
        }
        dests[messages] = dest;
        segments[messages] = segment;
        bytes[messages] = 0;
        firstPiece[messages] = pieces;
        messages++;
        firstPiece[messages] = pieces;
    }

    /**
     * Appends {@code buffer[offset, offset+length)} to the open message; {@code base} is the
     * buffer's native address (callers keep it, so that nothing is looked up per piece).
     *
     * @throws IllegalStateException when no message is open or the pieces are used up
     */
    public void add(ByteBuffer buffer, long base, int offset, int length) {
        if (messages == 0 || pieces == maxPieces) {
            throw new IllegalStateException(messages == 0 ? "no open message" : "gather batch full: " + maxPieces + " pieces");
        }
        pieceBuffers[pieces] = buffer;
        pieceOffsets[pieces] = offset;
        pieceAddresses[pieces] = base + offset;
        pieceLengths[pieces] = length;
        pieces++;
        firstPiece[messages] = pieces;
        bytes[messages - 1] += length;
    }

    /** Empties the batch (the pieces' buffers are no longer referenced by the caller's contract). */
    public void clear() {
        messages = 0;
        pieces = 0;
        firstPiece[0] = 0;
    }

    /** How many messages the batch holds. */
    public int messages() {
        return messages;
    }

    /** The total length of message {@code m}. */
    public int bytes(int m) {
        return bytes[m];
    }

    /** The segment size of message {@code m}; 0 for one datagram. */
    public int segment(int m) {
        return segments[m];
    }

    /** The destination of message {@code m}. */
    public long dest(int m) {
        return dests[m];
    }

    /** The index of message {@code m}'s first piece. */
    public int firstPiece(int m) {
        return firstPiece[m];
    }

    /** How many pieces message {@code m} has. */
    public int pieces(int m) {
        return firstPiece[m + 1] - firstPiece[m];
    }

    /** The native address of piece {@code p}. */
    public long address(int p) {
        return pieceAddresses[p];
    }

    /** The length of piece {@code p}. */
    public int length(int p) {
        return pieceLengths[p];
    }

    /** Copies message {@code m}, its pieces in order, into {@code dst} at {@code at}; returns its length. */
    public int copyMessage(int m, ByteBuffer dst, int at) {
        int pos = at;
        for (int p = firstPiece[m]; p < firstPiece[m + 1]; p++) {
            dst.put(pos, pieceBuffers[p], pieceOffsets[p], pieceLengths[p]);
            pos += pieceLengths[p];
        }
        return pos - at;
    }
}
