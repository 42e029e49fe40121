package sse.websocket;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.EventStream;
import sse.check.PostFuzz;
import sse.check.TestServer;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Robustness, not a TODO: seeded random messages on /ws and random posts on POST /movies. Guards
 * against a message that closes a socket, goes unanswered or reaches others though refused, and
 * against any post that gets a 5xx or more or fewer events than it should.
 */
class SocketFuzzTest {

    static final Duration WITHIN = Duration.ofSeconds(5);
    private static final String[] PIECES = {"\"", "\\", "{", "}", "[", "]", ":", ",", " ", "\\n", "\\u0000", "\\ud83c",
            "\\udfac", "\\ud83c\\udfac", "\u00e9", "\uD83C\uDFAC", "\u2028", "null", "true", "1", "\"type\"", "\"chat\"",
            "\"text\"", "trailing", "x".repeat(600)};

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @DisplayName("1000 random socket messages: each gets one answer, sockets stay open, only good chats are broadcast")
    void randomMessages() {
        server = TestServer.start(new WebSocketApp(new WebSocketApp.Options(Duration.ofHours(1), 4096, 1000,
                Duration.ofSeconds(25), Clock.systemUTC())).create());
        URI ws = SocketClient.uri(server);
        try (SocketClient sender = SocketClient.open(ws); SocketClient observer = SocketClient.open(ws)) {
            sender.next("welcome", WITHIN, "welcome");
            observer.next("welcome", WITHIN, "welcome");
            Random random = new Random(20_240_508L);
            int accepted = 0;
            long started = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
                String message = message(random);
                if (random.nextInt(50) == 0) {
                    sender.sendBinary(message.getBytes(StandardCharsets.UTF_8));
                } else {
                    sender.send(message);
                }
                JsonNode answer = sender.next(WITHIN, "every message gets one answer: " + message);
                assertTrue(answer.path("type").asText().matches("chat|error"), "chat or error: " + answer + " for " + message);
                accepted += answer.path("type").asText().equals("chat") ? 1 : 0;
                assertTrue(sender.open(), "the socket stays open after " + message + ": " + sender.closedBecause());
            }
            System.out.printf("WebSocket fuzz: 1000 messages in %d ms, %d accepted%n", (System.nanoTime() - started) / 1_000_000, accepted);
            assertTrue(accepted > 20 && accepted < 980, "some random messages are good chats, most are not: " + accepted);
            sender.send("{\"type\":\"chat\",\"text\":\"the end\"}");
            for (int i = 0; i < accepted; i++) {
                assertEquals("chat", observer.next(WITHIN, "the observer gets every accepted chat").path("type").asText(),
                        "the observer gets chats only, never someone else's error");
            }
            assertEquals("the end", observer.next(WITHIN, "and then the last one").path("text").asText(),
                    "exactly one chat per accepted message");
        }
    }

    @Test
    @DisplayName("random posts on lesson 06's POST /movies: never a 5xx, one event per accepted post")
    void randomPosts() {
        WebSocketApp lesson = new WebSocketApp(new WebSocketApp.Options(Duration.ofHours(1), 4096, 1000,
                Duration.ofSeconds(25), Clock.systemUTC()));
        server = TestServer.start(lesson.create());
        try (EventStream stream = EventStream.open(server.uri("/events")).expectEventStream("GET /events")) {
            stream.next(WITHIN, "welcome");
            PostFuzz.Outcome outcome = PostFuzz.run(server, 7L, 1000, 500);
            System.out.println("POST fuzz: " + outcome);
            PostFuzz.assertOneEventPerAcceptedPost(server, stream, outcome.acceptedIds());
        }
    }

    /** A good chat with up to three pieces put in, or a few pieces alone. */
    private static String message(Random random) {
        StringBuilder message = new StringBuilder(random.nextInt(8) == 0 ? "" : "{\"type\":\"chat\",\"text\":\"hi there\"}");
        for (int n = random.nextInt(4); n > 0; n--) {
            int at = random.nextInt(message.length() + 1);
            if (at > 0 && Character.isHighSurrogate(message.charAt(at - 1))) {
                at--; // never between the two halves of a pair: the JDK's client cannot send half of one
            }
            message.insert(at, PIECES[random.nextInt(PIECES.length)]);
        }
        return message.toString();
    }
}
