package dev.crossnet.kernel;

import java.util.Locale;
import java.util.regex.Pattern;

/** Argument checks shared by the value records. */
final class Checks {
    private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");
    /** IFNAMSIZ is 16 bytes including the terminating NUL. */
    static final int MAX_IFNAME = 16 - 1;

    private Checks() {
    }

    /** Lower-cases and validates {@code aa:bb:cc:dd:ee:ff}. */
    static String mac(String field, String mac) {
        if (mac == null) {
            throw new IllegalArgumentException(field + " is required");
        }
        String m = mac.toLowerCase(Locale.ROOT);
        if (!MAC.matcher(m).matches()) {
            throw new IllegalArgumentException(field + ": \"" + mac + "\" is not a MAC address like aa:bb:cc:dd:ee:ff");
        }
        return m;
    }

    /** Validates {@code aa:bb:cc:dd:ee:ff} (either case) and returns its 48 bits. */
    static long macBits(String field, String mac) {
        String m = mac(field, mac);
        long bits = 0;
        for (int i = 0; i < m.length(); i += 3) {
            bits = bits << 8 | Integer.parseInt(m, i, i + 2, 16);
        }
        return bits;
    }

    /** {@code 0a:11:22:33:44:55} (lower case) for the 48 bits of {@link #macBits}. */
    static String macText(long bits) {
        StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            int octet = (int) (bits >>> shift) & 0xff;
            if (shift != 40) {
                sb.append(':');
            }
            sb.append(Character.forDigit(octet >> 4, 16)).append(Character.forDigit(octet & 0xf, 16));
        }
        return sb.toString();
    }

    static String ifname(String field, String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_IFNAME || name.contains(" ") || name.contains("/")) {
            throw new IllegalArgumentException(field + ": \"" + name + "\" is not a valid interface name (1-"
                    + MAX_IFNAME + " characters, no spaces or slashes)");
        }
        return name;
    }

    static <T> T required(String field, T value) {
        if (value == null) {
            throw new IllegalArgumentException(field + " is required");
        }
        return value;
    }
}
