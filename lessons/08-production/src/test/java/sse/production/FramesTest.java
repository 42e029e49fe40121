package sse.production;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import sse.check.EventStreamParser;
import sse.check.ServerSentEvent;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Robustness, not a TODO: lesson 08 writes its frames itself, so it must keep the promise Javalin's
 * {@code SseClient} kept: whatever the data holds, one frame is exactly one event.
 */
class FramesTest {

    /** What a browser makes of the data: its line breaks, of any of the three kinds, become LF. */
    private static String asReceived(String data) {
        return data.replace("\r\n", "\n").replace('\r', '\n');
    }

    private static List<ServerSentEvent> parse(byte[] frame) {
        return EventStreamParser.parse(new String(frame, StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"plain", "", "two\nlines", "cr\ronly", "crlf\r\nline", "\n\nevent: forged\ndata: x\n\n",
            "\r\rid: 99\r\r", "data: inside", ": not a comment", "trailing\n", "\n", "\r\n", "emoji 🎬 and ü", "nul \0 char",
            "line\u2028separator"})
    @DisplayName("data with CR, LF or CRLF anywhere is one event whose data is that text")
    void oneFrameIsOneEvent(String data) {
        List<ServerSentEvent> events = parse(Frames.event("movie", 7, data));
        assertEquals(List.of(new ServerSentEvent("movie", asReceived(data), "7")), events,
                "the frame for " + data.replace("\r", "\\r").replace("\n", "\\n") + " must be exactly one event");
    }

    @Test
    @DisplayName("10,000 random texts of line breaks, colons and field names: always one event, never a forged one")
    void randomDataNeverForges() {
        Random random = new Random(8);
        String[] pieces = {"\r", "\n", "\r\n", "data:", "event:", "id:", "retry:", ":", " ", "x", "é", "\0", "\n\n"};
        for (int i = 0; i < 10_000; i++) {
            StringBuilder data = new StringBuilder();
            for (int n = random.nextInt(12); n > 0; n--) {
                data.append(pieces[random.nextInt(pieces.length)]);
            }
            String text = data.toString();
            assertEquals(List.of(new ServerSentEvent("movie", asReceived(text), String.valueOf(i))),
                    parse(Frames.event("movie", i, text)), "case " + i + ": " + text.replace("\r", "\\r").replace("\n", "\\n"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"", "a\nb", "a\rb", "movie\r\n"})
    @DisplayName("an event name that is empty or has a line break is refused, not written")
    void badNamesAreRefused(String name) {
        assertThrows(IllegalArgumentException.class, () -> Frames.event(name, 1, "data"));
    }

    @Test
    @DisplayName("a frame without an id has no id line; retry: is a line of digits")
    void idAndRetry() {
        assertArrayEquals("event: stats\ndata: {}\n\n".getBytes(StandardCharsets.UTF_8), Frames.event("stats", -1, "{}"));
        assertArrayEquals("retry: 2500\n".getBytes(StandardCharsets.UTF_8), Frames.retry(2500));
        assertThrows(IllegalArgumentException.class, () -> Frames.retry(-1));
    }
}
