package sse.registry;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import sse.check.Await;
import sse.check.EventStream;
import sse.check.RawHttp;
import sse.check.ServerSentEvent;
import sse.check.TestServer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sse.check.MovieFeed.JSON;

/**
 * Robustness, not a TODO: POST /movies changes what every client sees, so another site's page must
 * not be able to send it. Guards the same-origin check (sse.support.SameOrigin) on this lesson's routes.
 */
class SameOriginTest {

    static final byte[] MATRIX = "{\"title\":\"The Matrix\",\"year\":1999}".getBytes(StandardCharsets.UTF_8);

    private RegistryApp lesson;
    private TestServer server;
    private EventStream stream;

    @BeforeEach
    void start() {
        lesson = new RegistryApp(new RegistryApp.Options(Duration.ofHours(1), 4096));
        server = TestServer.start(lesson.create());
        stream = EventStream.open(server.uri("/events")).expectEventStream("GET /events");
        Await.until(() -> lesson.clients() == 1, Duration.ofSeconds(3), () -> "the stream should be registered");
    }

    @AfterEach
    void stop() {
        stream.close();
        server.close();
    }

    private RawHttp.Answer post(String... headers) {
        List<String> lines = new ArrayList<>(List.of(headers));
        lines.add("Content-Type: application/json");
        return RawHttp.send(server.uri("/"), "POST", "/movies", lines, MATRIX);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Origin: http://evil.example", "Origin: null", "Origin: http://127.0.0.1:1",
            "Origin: https://127.0.0.1", "Sec-Fetch-Site: cross-site", "Sec-Fetch-Site: same-site"})
    @DisplayName("a POST from another origin is refused with 403 and a JSON message, and nothing is sent")
    void crossOriginPostIsRefused(String header) throws Exception {
        RawHttp.Answer answer = post(header);
        assertEquals(403, answer.status(), header + " should be refused: " + answer);
        assertTrue(answer.header("Content-Type").orElse("").startsWith("application/json"), "JSON: " + answer);
        assertTrue(JSON.readTree(answer.body()).path("error").asText().contains("origin"), "it says why: " + answer);
        assertNothingWasSent();
    }

    @Test
    @DisplayName("a form posted from another site is refused before its body is even looked at")
    void crossSiteFormIsRefused() {
        RawHttp.Answer answer = RawHttp.send(server.uri("/"), "POST", "/movies", List.of("Origin: http://evil.example",
                "Sec-Fetch-Site: cross-site", "Content-Type: application/x-www-form-urlencoded"), "title=x".getBytes(StandardCharsets.UTF_8));
        assertEquals(403, answer.status(), answer.toString());
    }

    @Test
    @DisplayName("the server's own page, curl, and a page reached at the machine's address (-Dhost=0.0.0.0) may post")
    void sameOriginIsAllowed() {
        String host = "127.0.0.1:" + server.uri("/").getPort();
        assertEquals(201, post().status(), "no Origin and no Sec-Fetch-Site, as curl sends");
        assertEquals(201, post("Origin: http://" + host, "Sec-Fetch-Site: same-origin").status(), "the page's own fetch");
        assertEquals(201, post("Origin: HTTP://" + host.toUpperCase()).status(), "scheme and host are compared without case");
        assertEquals(201, post("Sec-Fetch-Site: none").status(), "typed by the user");
        assertEquals(201, post("Host: 192.0.2.7:7070", "Origin: http://192.0.2.7:7070").status(),
                "shared with the room: Host and Origin are the machine's address");
    }

    /** Had a refused post been sent, it would come before this one: a stream keeps its order. */
    private void assertNothingWasSent() {
        assertEquals(201, post().status());
        ServerSentEvent event = stream.next(Duration.ofSeconds(3), "a movie");
        while (event.type().equals("welcome")) {
            event = stream.next(Duration.ofSeconds(3), "a movie");
        }
        assertEquals("1", event.lastEventId(), "the first movie sent is the good one: the refused post sent nothing");
    }
}
