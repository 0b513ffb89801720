package dev.crossnet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.testing.LogCapture;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class BadRecordsTest {

    private static KeyValue kv(String key, String value, long revision) {
        return new KeyValue(key, value, 1, revision, null);
    }

    @Test
    void readEach_badRecord_skippedAndLoggedOncePerVersion() {
        try (LogCapture logs = new LogCapture(BadRecordsTest.class)) {
            BadRecords bad = new BadRecords(LoggerFactory.getLogger(BadRecordsTest.class));
            List<KeyValue> items = List.of(kv("/p/vni/4096", "a", 5), kv("/p/vni/abc", "b", 6), kv("/p/vni/4097", "c", 7));

            for (int i = 0; i < 3; i++) {
                assertThat(bad.readEach("/p/vni/", items, k -> Integer.parseInt(k.key().substring(7))))
                        .containsExactly(4096, 4097);
            }
            assertThat(logs.lines()).singleElement().asString()
                    .startsWith("WARN skipping store key /p/vni/abc (revision 6)").contains("abc");

            // Rewritten (a new revision): news again. Gone, then back: news again.
            bad.readEach("/p/vni/", List.of(kv("/p/vni/abc", "b", 9)), k -> Integer.parseInt(k.key().substring(7)));
            bad.readEach("/p/vni/", List.of(), k -> 0);
            bad.readEach("/p/vni/", List.of(kv("/p/vni/abc", "b", 9)), k -> Integer.parseInt(k.key().substring(7)));
            assertThat(logs.containing("/p/vni/abc")).hasSize(3);
        }
    }

    @Test
    void readEach_narrowerListing_doesNotForgetBadKeysOutsideIt() {
        try (LogCapture logs = new LogCapture(BadRecordsTest.class)) {
            BadRecords bad = new BadRecords(LoggerFactory.getLogger(BadRecordsTest.class));
            List<KeyValue> all = List.of(kv("/p/e/n1/a", "{", 3), kv("/p/e/n2/b", "ok", 4));
            java.util.function.Function<KeyValue, String> read = k -> {
                if (k.value().equals("{")) {
                    throw new dev.crossnet.CrossnetException("malformed");
                }
                return k.value();
            };

            bad.readEach("/p/e/", all, read);
            bad.readEach("/p/e/n2/", List.of(all.get(1)), read);
            bad.readEach("/p/e/", all, read);

            assertThat(logs.lines()).hasSize(1);
        }
    }
}
