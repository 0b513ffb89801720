package dev.crossnet.store;

import java.util.List;

/** The keys under a prefix, sorted by key, and the store revision they were read at. */
public record ListResult(List<KeyValue> items, long revision) {
}
