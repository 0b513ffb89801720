package dev.crossnet.lease;

import dev.crossnet.CrossnetException;

/** Every subnet of the pool is leased. */
public class PoolExhaustedException extends CrossnetException {
    public PoolExhaustedException(String message) {
        super(message);
    }
}
