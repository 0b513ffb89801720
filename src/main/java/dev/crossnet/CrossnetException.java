package dev.crossnet;

/**
 * An error meant for the person at the keyboard: its message alone must say what was wrong
 * (naming the field, argument or endpoint) so that the CLI can print it as is and exit non-zero.
 */
public class CrossnetException extends RuntimeException {
    public CrossnetException(String message) {
        super(message);
    }

    public CrossnetException(String message, Throwable cause) {
        super(message, cause);
    }
}
