package dev.crossnet.dns;

/** Dotted-quad checks for record values, without name lookups ({@code InetAddress.getByName} may resolve). */
final class Ipv4 {
    private Ipv4() {
    }

    static boolean isDottedQuad(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    static byte[] bytes(String dottedQuad) {
        String[] parts = dottedQuad.split("\\.");
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) Integer.parseInt(parts[i]);
        }
        return b;
    }
}
