package dev.crossnet.model;

import dev.crossnet.CrossnetException;

/** The network config is invalid; {@link #field()} names the offending JSON field. */
public class ConfigException extends CrossnetException {
    private final String field;

    public ConfigException(String field, String message) {
        super(field == null ? "invalid network config: " + message
                : "invalid network config: " + field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
