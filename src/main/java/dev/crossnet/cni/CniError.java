package dev.crossnet.cni;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A failed CNI call, as the spec's error result: {@code {"cniVersion","code","msg","details"}},
 * printed on stdout with a non-zero exit. Codes 1-99 are the spec's well-known ones; 100 and up
 * are crossnet's own.
 */
public final class CniError extends Exception {
    /** The spec's well-known codes (CNI 1.1.0, "Error" section). */
    public static final int INCOMPATIBLE_VERSION = 1;
    public static final int UNSUPPORTED_FIELD = 2;
    public static final int UNKNOWN_CONTAINER = 3;
    public static final int INVALID_ENVIRONMENT = 4;
    public static final int IO_FAILURE = 5;
    public static final int DECODE_FAILURE = 6;
    public static final int INVALID_CONFIG = 7;
    public static final int TRY_AGAIN_LATER = 11;
    /** CNI 1.1.0's STATUS: the plugin cannot serve ADD now. */
    public static final int NOT_AVAILABLE = 50;
    /** crossnet's own: CHECK found the container's network no longer matching the host's lease. */
    public static final int DRIFT = 100;
    /** crossnet's own: a delegated plugin failed without a CNI error result of its own. */
    public static final int DELEGATE_FAILED = 101;

    private final int code;
    private final String details;

    public CniError(int code, String msg) {
        this(code, msg, "");
    }

    public CniError(int code, String msg, String details) {
        super(msg);
        this.code = code;
        this.details = details == null ? "" : details;
    }

    public int code() {
        return code;
    }

    public String details() {
        return details;
    }

    /** The error result in {@code cniVersion}'s format (the same in every version this plugin speaks). */
    public ObjectNode toJson(String cniVersion) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("cniVersion", cniVersion);
        o.put("code", code);
        o.put("msg", getMessage());
        if (!details.isEmpty()) {
            o.put("details", details);
        }
        return o;
    }
}
