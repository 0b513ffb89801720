package dev.crossnet.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SseFramesTest {
    @Test
    void event_singleLine_oneDataFieldAndBlankLine() {
        assertThat(SseFrames.event(null, "{\"a\":1}")).isEqualTo("data: {\"a\":1}\n\n");
    }

    @Test
    void event_typed_eventFieldFirst() {
        assertThat(SseFrames.event("unavailable", "x")).isEqualTo("event: unavailable\ndata: x\n\n");
    }

    @Test
    void event_everyKindOfLineBreak_oneDataFieldPerLine() {
        assertThat(SseFrames.event(null, "a\nb\r\nc\rd")).isEqualTo("data: a\ndata: b\ndata: c\ndata: d\n\n");
    }

    @Test
    void event_emptyAndTrailingLines_kept() {
        assertThat(SseFrames.event(null, "")).isEqualTo("data: \n\n");
        assertThat(SseFrames.event(null, "a\n")).isEqualTo("data: a\ndata: \n\n");
    }

    @Test
    void comment_andRetry_framed() {
        assertThat(SseFrames.comment("ping")).isEqualTo(": ping\n\n");
        assertThat(SseFrames.retry()).isEqualTo("retry: 1000\n\n");
    }

    @Test
    void typeOrComment_withLineBreak_refused() {
        assertThatThrownBy(() -> SseFrames.event("a\nb", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SseFrames.comment("a\rb")).isInstanceOf(IllegalArgumentException.class);
    }
}
