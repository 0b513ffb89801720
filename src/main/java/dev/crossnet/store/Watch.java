package dev.crossnet.store;

/** A running watch; closing it stops the callbacks. Idempotent. */
public interface Watch extends AutoCloseable {
    @Override
    void close();
}
