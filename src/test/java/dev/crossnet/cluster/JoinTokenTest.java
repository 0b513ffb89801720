package dev.crossnet.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import org.junit.jupiter.api.Test;

class JoinTokenTest {
    static final String DIGEST = "0".repeat(10) + "abcdefghij0123456789abcdefghij0123456789";

    @Test
    void generateThenParse_roundTrip() {
        JoinToken t = JoinToken.generate(DIGEST);
        assertThat(t.reveal()).startsWith("CNT1-" + DIGEST + "-").hasSize(5 + 50 + 1 + 25);
        JoinToken back = JoinToken.parse(t.reveal());
        assertThat(back).isEqualTo(t);
        assertThat(back.secretMatches(t)).isTrue();
    }

    @Test
    void generate_secretsDiffer() {
        assertThat(JoinToken.generate(DIGEST).secret()).isNotEqualTo(JoinToken.generate(DIGEST).secret());
    }

    @Test
    void toString_hidesSecret() {
        JoinToken t = JoinToken.generate(DIGEST);
        assertThat(t.toString()).doesNotContain(t.secret()).contains("<secret>");
    }

    @Test
    void parse_surroundingWhitespace_accepted() {
        JoinToken t = JoinToken.generate(DIGEST);
        assertThat(JoinToken.parse("  " + t.reveal() + "\n")).isEqualTo(t);
    }

    @Test
    void parse_otherPrefix_saysNotACrossnetToken() {
        assertThatThrownBy(() -> JoinToken.parse("SWMTKN-1-abc-def")).isInstanceOf(CrossnetException.class)
                .hasMessageContaining("--token").hasMessageContaining("not a crossnet join token");
    }

    @Test
    void parse_truncated_saysMalformedWithoutEchoingIt() {
        String t = JoinToken.generate(DIGEST).reveal();
        String cut = t.substring(0, t.length() - 3);
        assertThatThrownBy(() -> JoinToken.parse(cut)).hasMessageContaining("--token: malformed").hasMessageNotContaining(cut.substring(56));
    }

    @Test
    void parse_upperCase_malformed() {
        String t = JoinToken.generate(DIGEST).reveal().toUpperCase().replace("CNT1", "CNT1");
        assertThatThrownBy(() -> JoinToken.parse(t)).hasMessageContaining("malformed");
    }

    @Test
    void parse_empty_required() {
        assertThatThrownBy(() -> JoinToken.parse(" ")).hasMessageContaining("--token: empty");
    }

    @Test
    void secretMatches_otherSecret_false() {
        assertThat(JoinToken.generate(DIGEST).secretMatches(JoinToken.generate(DIGEST))).isFalse();
    }
}
