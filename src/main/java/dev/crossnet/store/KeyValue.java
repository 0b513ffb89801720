package dev.crossnet.store;

import java.time.Instant;

/**
 * One stored key.
 *
 * @param createRevision the store revision at which the key was created
 * @param modRevision    the store revision of its last change; the handle for compare-and-set
 * @param expiresAt      when its TTL lapses, or null if it has none
 */
public record KeyValue(String key, String value, long createRevision, long modRevision, Instant expiresAt) {
}
