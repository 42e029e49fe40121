package sse.websocket.bench;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark's own check, on a tiny run: it measures all four transports, and nothing is lost. Numbers are not asserted. */
class TransportBenchTest {

    @Test
    @DisplayName("the benchmark measures all four transports, and every client gets every movie exactly once")
    void smallRun() throws Exception {
        List<TransportBench.Result> results = TransportBench.run(new TransportBench.Options(3, 1, 5, 200));
        assertEquals(List.of("short polling", "long polling", "SSE", "WebSocket"),
                results.stream().map(TransportBench.Result::transport).toList());
        for (TransportBench.Result result : results) {
            assertEquals(5, result.published(), result.transport());
            assertEquals(0, result.missed(), result.transport() + " missed movies (see docs/06-websocket.md#todo-2-send-each-movie-to-every-socket): " + result);
            assertEquals(0, result.duplicates(), result.transport() + " delivered a movie twice: " + result);
            assertTrue(result.bytesDown() > 0 && result.bytesUp() > 0, result.transport() + " counted no bytes: " + result);
            assertTrue(result.requests() >= 3, result.transport() + ": each client makes at least one request: " + result);
        }
    }
}
