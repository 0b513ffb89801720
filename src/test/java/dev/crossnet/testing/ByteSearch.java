package dev.crossnet.testing;

/** Finds a run of bytes in captured datagrams and frames (a pattern that must never be on the wire in clear). */
public final class ByteSearch {
    private ByteSearch() {
    }

    /** The first index of {@code needle} in {@code haystack}, or -1; the naive scan, fine for test captures. */
    public static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Whether {@code needle} occurs in {@code haystack}. */
    public static boolean contains(byte[] haystack, byte[] needle) {
        return indexOf(haystack, needle) >= 0;
    }
}
