package dev.crossnet.kernel.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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

    @Test
    void aBuffer_isComparedByItsRemainingBytes_andNotConsumed() {
        ParseCache<ByteBuffer, String> buffers = new ParseCache<>();
        ByteBuffer dump = ByteBuffer.wrap("xxdump".getBytes(StandardCharsets.US_ASCII)).position(2);
        String first = buffers.parse("main", dump, b -> StandardCharsets.US_ASCII.decode(b.duplicate()).toString());
        assertThat(first).isEqualTo("dump");
        assertThat(dump.position()).isEqualTo(2);
        assertThat(buffers.parse("main", ByteBuffer.wrap("dump".getBytes(StandardCharsets.US_ASCII)), b -> "again"))
                .isSameAs(first);
        assertThat(buffers.parse("main", ByteBuffer.wrap("dumq".getBytes(StandardCharsets.US_ASCII)), b -> "changed"))
                .isEqualTo("changed");
    }
}
