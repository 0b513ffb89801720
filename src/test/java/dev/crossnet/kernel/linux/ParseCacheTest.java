package dev.crossnet.kernel.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ParseCacheTest {
    final ParseCache<String, List<String>> cache = new ParseCache<>();
    final AtomicInteger parses = new AtomicInteger();

    List<String> parse(String key, String text) {
        return cache.parse(key, text, t -> {
            parses.incrementAndGet();
            return List.of(t.split(","));
        });
    }

    @Test
    void theSameText_isParsedOnce_andGivesTheSameObject() {
        List<String> first = parse("crossnet.1", "a,b");
        assertThat(parse("crossnet.1", new String("a,b"))).isSameAs(first);
        assertThat(parses).hasValue(1);
    }

    @Test
    void anotherText_isParsedAgain_soAChangeBehindOurBackIsSeen() {
        parse("crossnet.1", "a,b");
        assertThat(parse("crossnet.1", "a")).containsExactly("a");
        assertThat(parse("crossnet.1", "a,b")).containsExactly("a", "b");
        assertThat(parses).hasValue(3);
    }

    @Test
    void keysAreKeptApart() {
        List<String> one = parse("crossnet.1", "a");
        List<String> two = parse("cnvx4096", "a");
        assertThat(two).isNotSameAs(one);
        assertThat(parse("crossnet.1", "a")).isSameAs(one);
        assertThat(parses).hasValue(2);
    }
}
