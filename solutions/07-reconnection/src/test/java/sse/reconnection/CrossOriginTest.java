package sse.reconnection;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import sse.check.Await;
import sse.check.EventStream;
import sse.check.RawHttp;
import sse.check.TestServer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Robustness, not a TODO: the /admin routes and POST /movies change what every client sees, so another
 * site's page (a form, a fetch) must not reach them (issue 8).
 */
class CrossOriginTest {

    private ReconnectionApp lesson;
    private TestServer server;
    private EventStream stream;

    @BeforeEach
    void start() {
        lesson = new ReconnectionApp(new ReconnectionApp.Options(Duration.ofHours(1), 4096, 1000, Duration.ofSeconds(2)));
        server = TestServer.start(lesson.create());
        stream = EventStream.open(server.uri("/events")).expectEventStream("GET /events");
        Await.until(() -> lesson.clients() == 1, Duration.ofSeconds(3), () -> "the stream should be registered");
    }

    @AfterEach
    void stop() {
        stream.close();
        server.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/admin/close", "/admin/drop", "/admin/open", "/movies"})
    @DisplayName("a POST from another site's page is refused with 403, and changes nothing")
    void crossOriginIsRefused(String path) {
        for (String header : List.of("Origin: http://evil.example", "Sec-Fetch-Site: cross-site")) {
            RawHttp.Answer answer = RawHttp.send(server.uri("/"), "POST", path, List.of(header,
                    "Content-Type: application/x-www-form-urlencoded"), "title=x".getBytes(StandardCharsets.UTF_8));
            assertEquals(403, answer.status(), path + " with " + header + ": " + answer);
            assertTrue(answer.body().contains("origin"), answer.toString());
        }
        assertFalse(stream.ended(), "the stream was not dropped");
        assertEquals(1, lesson.clients(), "the client is still registered");
        try (EventStream again = EventStream.open(server.uri("/events"))) {
            assertEquals(200, again.status(), "the feed is still open: " + again.describe());
        }
    }

    @Test
    @DisplayName("the page's own POST (Origin = the server) still closes and reopens the feed")
    void sameOriginIsAllowed() {
        String origin = "Origin: http://127.0.0.1:" + server.uri("/").getPort();
        assertEquals(200, RawHttp.send(server.uri("/"), "POST", "/admin/close", List.of(origin), new byte[0]).status());
        assertEquals(200, RawHttp.send(server.uri("/"), "POST", "/admin/open", List.of(origin), new byte[0]).status());
    }
}
