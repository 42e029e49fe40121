package sse.polling;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.RawHttp;
import sse.check.TestServer;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Robustness, not a TODO: POST /movies refuses another site's page (issue 8); polls, which only read, do not. */
class CrossOriginTest {

    @Test
    @DisplayName("a POST /movies from another origin is refused with 403; the page's own POST and a cross-origin GET are not")
    void crossOriginPostIsRefused() {
        PollingApp lesson = new PollingApp(new PollingApp.Options(Duration.ofHours(1), 4096, 1000, Duration.ofSeconds(25), Clock.systemUTC()));
        try (TestServer server = TestServer.start(lesson.create())) {
            byte[] movie = "{\"title\":\"Heat\",\"year\":1995}".getBytes(StandardCharsets.UTF_8);
            RawHttp.Answer refused = RawHttp.send(server.uri("/"), "POST", "/movies",
                    List.of("Origin: http://evil.example", "Content-Type: application/json"), movie);
            assertEquals(403, refused.status(), refused.toString());
            RawHttp.Answer own = RawHttp.send(server.uri("/"), "POST", "/movies",
                    List.of("Origin: http://127.0.0.1:" + server.uri("/").getPort(), "Content-Type: application/json"), movie);
            assertEquals(201, own.status(), own.toString());
            RawHttp.Answer poll = RawHttp.send(server.uri("/"), "GET", "/movies?after=0", List.of("Origin: http://evil.example"), null);
            assertEquals(200, poll.status(), "reading is not refused: " + poll);
        }
    }
}
