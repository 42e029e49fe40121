package sse.websocket;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.Await;
import sse.check.ChecksTodo;
import sse.check.EventStream;
import sse.check.MovieFeed;
import sse.check.PageCheck;
import sse.check.ServerSentEvent;
import sse.check.TestServer;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lesson 06: the feed over WebSocket, and what only a socket can do. Run: ./mvnw -q -pl lessons/06-websocket test -Pcheck */
class WebSocketTest {

    static final String TODO_1 = "Look at TODO 1 in SocketFeed.java (docs/06-websocket.md#todo-1-keep-track-of-the-sockets).";
    static final String TODO_2 = "Look at TODO 2 in WebSocketApp.java (docs/06-websocket.md#todo-2-send-each-movie-to-every-socket).";
    static final String TODO_3 = "Look at TODO 3 in SocketFeed.java (docs/06-websocket.md#todo-3-pass-a-chat-message-on).";

    static final Duration WITHIN = Duration.ofSeconds(5);

    private WebSocketApp lesson;
    private TestServer server;
    private final List<SocketClient> sockets = new ArrayList<>();

    private TestServer start() {
        lesson = new WebSocketApp(new WebSocketApp.Options(Duration.ofMillis(50), 4096, 1000, Duration.ofSeconds(25), Clock.systemUTC()));
        server = TestServer.start(lesson.create());
        return server;
    }

    private SocketClient socket() {
        SocketClient socket = SocketClient.open(SocketClient.uri(server));
        sockets.add(socket);
        return socket;
    }

    @AfterEach
    void stop() {
        sockets.forEach(SocketClient::close);
        if (server != null) {
            server.close();
        }
    }

    /** Posts a good movie (given code, lesson 05's) and returns the answer: its id and how many clients got it. */
    private JsonNode post(String title, int year) {
        String movie = MovieFeed.JSON.createObjectNode().put("title", title).put("year", year).toString();
        HttpResponse<String> answer = server.post("/movies", "application/json", movie);
        MovieFeed.assertCreated(answer, "This part is already written, in WebSocketApp.java: was it changed?");
        return read(answer.body());
    }

    private JsonNode stats() {
        return read(server.get("/stats").body());
    }

    /** Waits until the server counts {@code count} sockets; {@code then} names what the test checks next. */
    private void awaitSockets(int count, String then) {
        Await.until(() -> stats().path("sockets").asInt() == count, WITHIN, () ->
                count + " sockets should be open, /stats says " + stats() + ". " + TODO_1 + " Then: " + then);
    }

    /** The first message of a new socket, which must be its welcome. */
    private JsonNode welcome(SocketClient socket) {
        JsonNode first = socket.next(WITHIN, "A new socket should get a welcome message first. " + TODO_1);
        String stub = first.path("error").asText();
        if (stub.startsWith("TODO 1 is not done yet")) {
            throw new AssertionError("A new socket should be welcomed, but it was told: " + stub);
        }
        assertEquals("welcome", first.path("type").asText(), "the first message on a new socket should be "
                + "{\"type\":\"welcome\",\"sockets\":<count>}, got " + first + ". " + TODO_1);
        return first;
    }

    @Test
    @ChecksTodo(1)
    @DisplayName("a new socket is welcomed with the number of open sockets, and /stats follows sockets that close")
    void welcomeAndCount() {
        start();
        SocketClient first = socket();
        assertEquals(1, welcome(first).path("sockets").asInt(), "the welcome counts this socket. " + TODO_1);
        SocketClient second = socket();
        assertEquals(2, welcome(second).path("sockets").asInt(), "two sockets now. " + TODO_1);
        awaitSockets(2, "the count follows sockets that close.");
        second.close();
        awaitSockets(1, "a socket that closes is removed.");
    }

    @Test
    @ChecksTodo(value = 2, needs = 1)
    @DisplayName("sockets get the same movies, in the same order, as an event stream")
    void sameMoviesAsSse() {
        start();
        try (EventStream stream = EventStream.open(server.uri("/events"))) {
            SocketClient a = socket();
            SocketClient b = socket();
            awaitSockets(2, TODO_2);
            List<Long> posted = new ArrayList<>();
            for (int i = 1; i <= 20; i++) {
                posted.add(post("Movie " + i + " <i>é</i>", 1990 + i).path("id").asLong());
            }
            List<Long> overSse = new ArrayList<>();
            while (overSse.size() < 20) {
                ServerSentEvent event = stream.next(WITHIN, "the SSE client should get every movie");
                if (event.type().equals("movie")) {
                    overSse.add(read(event.data()).path("id").asLong());
                }
            }
            assertEquals(posted, overSse, "SSE gets every movie in order");
            for (SocketClient socket : List.of(a, b)) {
                List<Long> overSocket = new ArrayList<>();
                for (int i = 1; i <= 20; i++) {
                    JsonNode movie = socket.next("movie", WITHIN, "every socket should get every movie. " + TODO_2);
                    assertEquals("Movie " + i + " <i>é</i>", movie.path("title").asText());
                    assertEquals(1990 + i, movie.path("year").asInt());
                    overSocket.add(movie.path("id").asLong());
                }
                assertEquals(posted, overSocket, "a socket gets the same ids in the same order as SSE. " + TODO_2);
            }
        }
    }

    @Test
    @ChecksTodo(value = 3, needs = 1)
    @DisplayName("a chat message sent by one socket reaches every socket, its sender included")
    void chatReachesEveryone() {
        start();
        SocketClient alice = socket();
        SocketClient bob = socket();
        SocketClient carol = socket();
        awaitSockets(3, TODO_3);
        alice.send("{\"type\":\"chat\",\"text\":\"hello <b>all</b>\\nsecond line, é 🎬\"}");
        JsonNode toBob = bob.next("chat", WITHIN, "Bob should get Alice's chat. " + TODO_3);
        assertEquals("hello <b>all</b>\nsecond line, é 🎬", toBob.path("text").asText(), "the text arrives exactly");
        JsonNode toCarol = carol.next("chat", WITHIN, "Carol should get Alice's chat. " + TODO_3);
        JsonNode toAlice = alice.next("chat", WITHIN, "Alice should see her own chat. " + TODO_3);
        assertEquals(toBob, toCarol);
        assertEquals(toBob, toAlice);
        assertTrue(!toBob.path("from").asText().isEmpty(), "a chat says who sent it");
    }

    @Test
    @ChecksTodo(value = 3, needs = 1)
    @DisplayName("a malformed message gets an error back, and breaks neither its socket nor anyone else's")
    void malformedMessages() {
        start();
        SocketClient sender = socket();
        SocketClient other = socket();
        Map<String, String> bad = Map.of(
                "not json", "send JSON",
                "[1, 2]", "send a JSON object",
                "{\"type\":\"shout\",\"text\":\"hi\"}", "\"type\" must be \"chat\"",
                "{\"type\":\"chat\"}", "\"text\" must be a string that is not blank",
                "{\"type\":\"chat\",\"text\":\"   \"}", "\"text\" must be a string that is not blank",
                "{\"type\":\"chat\",\"text\":42}", "\"text\" must be a string that is not blank",
                "{\"type\":\"chat\",\"text\":\"" + "x".repeat(501) + "\"}", "at most 500 characters");
        for (Map.Entry<String, String> message : bad.entrySet()) {
            sender.send(message.getKey());
            JsonNode error = sender.next("error", WITHIN, "a bad message should get an error message back. " + TODO_3);
            assertTrue(error.path("error").asText().contains(message.getValue()),
                    "for " + message.getKey() + " the error should say " + message.getValue() + ", was " + error);
        }
        assertTrue(sender.open(), "the sender's socket stays open after bad messages");
        awaitSockets(2, TODO_3);
        sender.send("{\"type\":\"chat\",\"text\":\"still here\"}");
        JsonNode next = other.next(WITHIN, "after the bad messages a good one still goes through. " + TODO_3);
        while (next.path("type").asText().equals("welcome")) {
            next = other.next(WITHIN, "after the bad messages a good one still goes through. " + TODO_3);
        }
        assertEquals("chat", next.path("type").asText(), "the other socket gets no error of someone else's: " + next);
        assertEquals("still here", next.path("text").asText());
    }

    @Test
    @DisplayName("SSE and the poll endpoints of lesson 05 still work beside the socket")
    void earlierTransportsStillWork() {
        start();
        try (EventStream stream = EventStream.open(server.uri("/events")).expectEventStream("GET /events")) {
            Await.until(() -> stats().path("clients").asInt() == 1, WITHIN, () -> "/stats: " + stats());
            long id = post("Heat", 1995).path("id").asLong();
            ServerSentEvent movie = stream.next(WITHIN, "a movie over SSE");
            while (!movie.type().equals("movie")) {
                movie = stream.next(WITHIN, "a movie over SSE");
            }
            assertEquals(String.valueOf(id), movie.lastEventId());
            JsonNode polled = read(server.get("/movies?after=" + (id - 1)).body());
            assertEquals(1, polled.size());
            assertEquals("Heat", polled.get(0).path("title").asText());
        }
    }

    @Test
    @DisplayName("the page opens an EventSource and a WebSocket, and writes what arrives as text")
    void page() {
        PageCheck page = PageCheck.of(WebSocketApp.LESSON);
        page.assertOpensEventSource("/events");
        page.assertListensFor("movie");
        page.assertElementsExist("sse-movies", "ws-movies", "chat", "chat-form", "chat-text", "movie-form");
        page.assertWritesTextOnly();
        assertTrue(page.script().contains("new WebSocket("), "the page should open a WebSocket");
    }

    private static JsonNode read(String json) {
        try {
            return MovieFeed.JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }
}
