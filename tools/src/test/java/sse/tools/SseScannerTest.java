package sse.tools;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SseScannerTest {

    private final List<String> seen = new ArrayList<>();
    private final SseScanner scanner = new SseScanner(new SseScanner.Listener() {
        @Override
        public void onEvent(String type, String lastEventId) {
            seen.add(type + "#" + lastEventId);
        }

        @Override
        public void onRetry(long millis) {
            seen.add("retry " + millis);
        }
    });

    private void feed(String text) {
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            scanner.accept(b);
        }
    }

    @Test
    void finds_events_their_type_and_the_id_that_carries_over() {
        feed("retry: 2500\nevent: welcome\nid: 7\ndata: {}\n\n: ping\n\ndata: x\r\n\r\nevent: movie\rid: 8\rdata: a\rdata: b\r\r");
        assertEquals(List.of("retry 2500", "welcome#7", "message#7", "movie#8"), seen);
        assertEquals("8", scanner.lastEventId());
    }

    @Test
    void ignores_blocks_without_data_retry_that_is_not_digits_and_an_id_with_nul() {
        feed("event: movie\nid: 9\n\nretry: 2s\nid: 1\0\ndata:\n\n");
        assertEquals(List.of("message#9"), seen);
    }

    @Test
    void keeps_short_fields_of_a_long_line_and_counts_it_as_data() {
        feed("id: 12\ndata: " + "x".repeat(5000) + "\n\n");
        assertEquals(List.of("message#12"), seen);
    }
}
