package dev.crossnet.cluster;

import dev.crossnet.CrossnetException;
import dev.crossnet.pki.CaDigest;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A join token, {@code CNT1-<CA digest>-<secret>}, in Docker Swarm's {@code SWMTKN-1-…} design: the
 * digest ({@value CaDigest#LENGTH} base-36 characters, see {@link CaDigest}) lets a joining host
 * check the CA the join endpoint shows before it sends anything; the secret ({@value #SECRET_LENGTH}
 * base-36 characters, 128 random bits) proves to the endpoint that the joiner was given the token.
 * Immutable. {@link #toString()} hides the secret, so a token logged by mistake leaks nothing.
 */
public record JoinToken(String caDigest, String secret) {
    public static final String PREFIX = "CNT1";
    public static final int SECRET_LENGTH = 25; // 36^25 > 2^128
    private static final Pattern FORMAT = Pattern.compile("CNT1-([0-9a-z]{" + CaDigest.LENGTH + "})-([0-9a-z]{" + SECRET_LENGTH + "})");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A token for the CA of digest {@code caDigest} with a fresh random secret. */
    public static JoinToken generate(String caDigest) {
        String secret = new BigInteger(128, RANDOM).toString(36);
        return new JoinToken(caDigest, "0".repeat(SECRET_LENGTH - secret.length()) + secret);
    }

    /**
     * Parses a token as printed by {@code crossnet init}. The error never repeats the token.
     *
     * @throws CrossnetException naming {@code --token} and what is wrong with it
     */
    public static JoinToken parse(String text) {
        if (text == null || text.isBlank()) {
            throw new CrossnetException("--token: empty; give the token crossnet init or crossnet join-token printed");
        }
        String t = text.strip();
        if (!t.startsWith(PREFIX + "-")) {
            throw new CrossnetException("--token: not a crossnet join token (it must start with " + PREFIX
                    + "-; a token is printed by crossnet init and crossnet join-token)");
        }
        Matcher m = FORMAT.matcher(t);
        if (!m.matches()) {
            throw new CrossnetException("--token: malformed: want " + PREFIX + "-<" + CaDigest.LENGTH + " characters of CA digest>-<"
                    + SECRET_LENGTH + " characters of secret>, lower-case letters and digits (was it cut off when copied?)");
        }
        return new JoinToken(m.group(1), m.group(2));
    }

    /** The whole token, secret included: only for printing it to the operator, never for logs. */
    public String reveal() {
        return PREFIX + "-" + caDigest + "-" + secret;
    }

    /** Whether {@code other}'s secret equals ours, compared in constant time. */
    public boolean secretMatches(JoinToken other) {
        return MessageDigest.isEqual(secret.getBytes(StandardCharsets.US_ASCII), other.secret.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public String toString() {
        return PREFIX + "-" + caDigest + "-<secret>";
    }
}
