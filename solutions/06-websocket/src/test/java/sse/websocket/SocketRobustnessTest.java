package sse.websocket;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import sse.check.Await;
import sse.check.MovieFeed;
import sse.check.RawHttp;
import sse.check.TestServer;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Robustness, not a TODO: a socket's messages are checked as strictly as POST /movies (issue 8), and
 * neither the socket nor POST /movies can be used from another site's page. Guards SocketFeed.check,
 * the message size limits and the same-origin check on /ws and POST /movies.
 */
class SocketRobustnessTest {

    static final Duration WITHIN = Duration.ofSeconds(5);

    private TestServer server;
    private final List<SocketClient> sockets = new ArrayList<>();

    @BeforeEach
    void start() {
        WebSocketApp lesson = new WebSocketApp(new WebSocketApp.Options(Duration.ofHours(1), 4096, 1000,
                Duration.ofSeconds(25), Clock.systemUTC()));
        server = TestServer.start(lesson.create());
    }

    @AfterEach
    void stop() {
        sockets.forEach(SocketClient::close);
        server.close();
    }

    private SocketClient socket(Map<String, String> headers) {
        SocketClient socket = SocketClient.open(SocketClient.uri(server), headers);
        sockets.add(socket);
        socket.next("welcome", WITHIN, "a socket is welcomed");
        return socket;
    }

    // Each used to be closed (1009), ignored, accepted, or broadcast as "?".
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"64 KiB + 1", "4097 characters", "trailing", "two texts", "lone high surrogate",
            "lone low surrogate", "binary", "empty"})
    @DisplayName("a bad message gets an error to its sender only; the socket stays open and nothing is broadcast")
    void badMessages(String kind) {
        SocketClient sender = socket(Map.of());
        SocketClient other = socket(Map.of());
        String chat = "{\"type\":\"chat\",\"text\":\"";
        switch (kind) {
            case "64 KiB + 1" -> sender.send(chat + "x".repeat(64 * 1024 + 1 - chat.length() - 2) + "\"}");
            case "4097 characters" -> sender.send(chat + "x".repeat(4097 - chat.length() - 2) + "\"}");
            case "trailing" -> sender.send(chat + "a\"} trailing");
            case "two texts" -> sender.send(chat + "a\",\"text\":\"b\"}");
            case "lone high surrogate" -> sender.send(chat + "a\\ud83cb\"}");
            case "lone low surrogate" -> sender.send(chat + "\\udfac\"}");
            case "binary" -> sender.sendBinary(chat.getBytes(StandardCharsets.UTF_8));
            default -> sender.send("");
        }
        JsonNode answer = sender.next(WITHIN, kind + ": the sender should get an error back");
        assertEquals("error", answer.path("type").asText(), kind + ": " + answer);
        assertTrue(!answer.path("error").asText().isBlank(), "the error says what was wrong: " + answer);
        assertTrue(sender.open(), kind + ": the socket stays open, was closed: " + sender.closedBecause());
        sender.send(chat + "still here\"}");
        JsonNode next = other.next(WITHIN, "a good message after the bad one reaches the other socket");
        assertEquals("chat", next.path("type").asText(), "the bad message reached nobody else: " + next);
        assertEquals("still here", next.path("text").asText());
    }

    @Test
    @DisplayName("over 1 MiB, a message is not read at all: Jetty closes the socket with 1009, as documented")
    void hardLimitCloses() {
        SocketClient sender = socket(Map.of());
        sender.send("x".repeat((1 << 20) + 1));
        Await.until(() -> sender.closedBecause() != null, WITHIN, () -> "the socket should be closed");
        assertTrue(sender.closedBecause().startsWith("1009"), sender.closedBecause());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Origin: http://evil.example", "Origin: null", "Sec-Fetch-Site: cross-site"})
    @DisplayName("a WebSocket from another origin is refused with 403 and a JSON message")
    void crossOriginSocketIsRefused(String header) throws Exception {
        RawHttp.Answer answer = RawHttp.send(server.uri("/"), "GET", "/ws", List.of(header, "Upgrade: websocket",
                "Connection: Upgrade", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="), null);
        assertEquals(403, answer.status(), header + ": " + answer);
        assertTrue(MovieFeed.JSON.readTree(answer.body()).path("error").asText().contains("origin"), answer.toString());
    }

    @Test
    @DisplayName("the page's own WebSocket (Origin = the server) opens")
    void sameOriginSocketOpens() {
        SocketClient socket = socket(Map.of("Origin", "http://127.0.0.1:" + server.uri("/").getPort()));
        assertTrue(socket.open());
    }

    @Test
    @DisplayName("a POST /movies from another origin is refused with 403")
    void crossOriginPostIsRefused() {
        RawHttp.Answer answer = RawHttp.send(server.uri("/"), "POST", "/movies", List.of("Origin: http://evil.example",
                "Content-Type: application/json"), "{\"title\":\"x\",\"year\":1999}".getBytes(StandardCharsets.UTF_8));
        assertEquals(403, answer.status(), answer.toString());
    }
}
