package dev.crossnet.store;

import dev.crossnet.CrossnetException;

/** The store failed or could not be reached; the message names the store's endpoint. */
public class StoreException extends CrossnetException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
