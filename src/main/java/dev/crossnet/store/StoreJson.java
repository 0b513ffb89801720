package dev.crossnet.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crossnet.CrossnetException;

/** JSON values in the store: the one encoder and decoder every record kept there goes through. Thread-safe. */
public final class StoreJson {
    // Unknown fields are skipped: a record written by a newer crossnet still reads.
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private StoreJson() {
    }

    /** Encodes a record or tree; a value that cannot be encoded is a programming error. */
    public static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Decodes {@code kv}'s value. @throws CrossnetException naming the key when it is not valid JSON for {@code type} */
    public static <T> T read(KeyValue kv, Class<T> type) {
        try {
            return JSON.readValue(kv.value(), type);
        } catch (JsonProcessingException e) {
            throw new CrossnetException("store key " + kv.key() + " holds malformed JSON: " + e.getOriginalMessage());
        }
    }
}
