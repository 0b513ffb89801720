package dev.crossnet.store;

import java.time.Instant;

/**
 * One stored key.
 *
 * @param createRevision the store revision at which the key was created
 * @param modRevision    the store revision of its last change; the handle for compare-and-set
 * @param expiresAt      when its TTL lapses, or null if it has none, or {@link #UNKNOWN_EXPIRY} if it
 *                       has one that was not looked up ({@link Store#list(String, boolean)})
 */
public record KeyValue(String key, String value, long createRevision, long modRevision, Instant expiresAt) {

    /** The key has a TTL, but when it lapses was not looked up. */
    public static final Instant UNKNOWN_EXPIRY = Instant.MAX;
}
