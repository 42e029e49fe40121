package sse.reconnection;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.ChecksTodo;
import sse.check.EventStream;
import sse.check.EventStreamParser;
import sse.check.MovieFeed;
import sse.check.PageCheck;
import sse.check.ServerSentEvent;
import sse.check.TestServer;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lesson 07: retry, Last-Event-ID, replay, reset and 204, over real HTTP. Run: ./mvnw -q -pl lessons/07-reconnection test -Pcheck */
class ReconnectionTest {

    static final String TODO_1 = "Look at TODO 1 in ReconnectionApp.java (docs/07-reconnection.md#todo-1-tell-the-browser-how-long-to-wait).";
    static final String TODO_2 = "Look at TODO 2 in ReconnectionApp.java (docs/07-reconnection.md#todo-2-replay-what-was-missed).";
    static final String TODO_3 = "Look at TODO 3 in ReconnectionApp.java (docs/07-reconnection.md#todo-3-say-stop-with-204).";
    static final String GIVEN = "This part is already written, in ReconnectionApp.java: was it changed?";

    static final Duration HEARTBEAT = Duration.ofMillis(50);
    static final Duration RETRY = Duration.ofMillis(2000);
    static final Duration WITHIN = Duration.ofSeconds(3);
    static final int MAX_BODY = 4096;

    private TestServer server;
    private final List<EventStream> streams = new ArrayList<>();

    private TestServer start(int historySize) {
        server = TestServer.start(new ReconnectionApp(
                new ReconnectionApp.Options(HEARTBEAT, MAX_BODY, historySize, RETRY)).create());
        return server;
    }

    @AfterEach
    void stop() {
        streams.forEach(EventStream::close);
        streams.clear();
        if (server != null) {
            server.close();
        }
    }

    // ---------------------------------------------------------------------------------------
    // retry:
    // ---------------------------------------------------------------------------------------

    @Test
    @ChecksTodo(1)
    @DisplayName("the first thing on a new stream is a retry: field, and a browser's parser takes its value")
    void streamStartsWithRetry() {
        start(1000);
        EventStream stream = join(Map.of());
        stream.next(WITHIN, "A new client is welcomed. " + GIVEN);
        String raw = stream.raw();
        assertTrue(raw.startsWith("retry: " + RETRY.toMillis() + "\n"), "the stream should begin with the line \"retry: "
                + RETRY.toMillis() + "\" (the Options' retry in milliseconds). " + TODO_1 + "\n" + stream.describe());
        EventStreamParser parser = parse(raw);
        assertEquals(RETRY.toMillis(), parser.retryMillis(), "a parser that follows the spec should read the retry as "
                + RETRY.toMillis() + " ms: only ASCII digits. " + TODO_1);
        assertEquals(List.of(new ServerSentEvent("welcome", "{\"clients\":1,\"lastId\":0,\"retry\":2000}", "0")),
                EventStreamParser.parse(raw), "the retry line dispatches nothing by itself: the one event is the welcome. " + TODO_1);
    }

    @Test
    @ChecksTodo(1)
    @DisplayName("a client that comes back with Last-Event-ID also starts with retry:")
    void resumedStreamStartsWithRetry() {
        start(1000);
        post("The Matrix", 1999);
        EventStream stream = join(Map.of("Last-Event-ID", "0"));
        // Whatever follows the retry (movie 1 replayed, or a welcome while TODO 2 is open): this checks only the start.
        stream.next(WITHIN, "A client that comes back should get an event. " + TODO_2);
        assertTrue(stream.raw().startsWith("retry: " + RETRY.toMillis() + "\n"), "every stream begins with retry:, "
                + "a reconnection too. " + TODO_1 + "\n" + stream.describe());
    }

    // ---------------------------------------------------------------------------------------
    // Last-Event-ID and the replay
    // ---------------------------------------------------------------------------------------

    @Test
    @ChecksTodo(2)
    @DisplayName("a client dropped after id 5 comes back with Last-Event-ID: 5 and gets 6, 7, 8 missed meanwhile, then live 9")
    void reconnectReplaysWhatWasMissed() {
        start(1000);
        EventStream first = join(Map.of());
        first.next(WITHIN, "A new client is welcomed. " + GIVEN);
        for (int i = 1; i <= 5; i++) {
            post("movie " + i, 2000 + i);
        }
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), ids(MovieFeed.movies(first, 5, WITHIN, "Movies 1 to 5 go to the client. " + GIVEN)),
                "the live feed, before the drop");
        admin(server, "/admin/drop");
        first.awaitEnd(WITHIN, "POST /admin/drop ends every open stream. " + GIVEN);
        String lastEventId = parse(first.raw()).lastEventId();
        assertEquals("5", lastEventId, "the parser tracked id 5: a browser sends it back in Last-Event-ID");

        for (int i = 6; i <= 8; i++) {
            post("movie " + i, 2000 + i); // while the client is away
        }
        EventStream back = join(Map.of("Last-Event-ID", lastEventId));
        List<ServerSentEvent> replay = replayed(back, 3, "A client that comes back with Last-Event-ID: 5 should be "
                + "sent movies 6, 7 and 8 from the history. " + TODO_2);
        assertEquals(List.of(6L, 7L, 8L), ids(replay), "exactly the movies after id 5, oldest first, as movie events. " + TODO_2);
        assertEquals(List.of("6", "7", "8"), replay.stream().map(ServerSentEvent::lastEventId).toList(),
                "each replayed movie carries its id. " + TODO_2);
        post("movie 9", 2009);
        assertEquals(List.of(9L), ids(replayed(back, 1, "After the replay comes the live feed. " + TODO_2)),
                "then movie 9, live, and nothing in between. " + TODO_2);
    }

    @Test
    @ChecksTodo(2)
    @DisplayName("Last-Event-ID equal to the newest id: nothing to replay, then the live feed")
    void upToDateClientGetsOnlyLiveEvents() {
        start(1000);
        for (int i = 1; i <= 3; i++) {
            post("movie " + i, 2000 + i);
        }
        EventStream back = join(Map.of("Last-Event-ID", "3"));
        post("movie 4", 2004);
        ServerSentEvent next = back.next(WITHIN, "A client that saw id 3 is up to date: the next event is movie 4. " + TODO_2);
        assertEquals("movie", next.type(), "no welcome and no reset for a client that is up to date, got " + next + ". " + TODO_2);
        assertEquals("4", next.lastEventId(), "the first event is the live movie 4. " + TODO_2);
    }

    @Test
    @ChecksTodo(2)
    @DisplayName("a stream without Last-Event-ID is a new client: a welcome with the newest id, and no replay")
    void newClientGetsWelcomeNoReplay() throws IOException {
        start(1000);
        for (int i = 1; i <= 3; i++) {
            post("movie " + i, 2000 + i);
        }
        EventStream stream = join(Map.of());
        ServerSentEvent welcome = stream.next(WITHIN, "A new client is welcomed. " + GIVEN);
        assertEquals("welcome", welcome.type(), "the first event of a new client is the welcome. " + GIVEN);
        assertEquals("3", welcome.lastEventId(), "the welcome carries the newest id, so a client dropped before its first "
                + "movie comes back with it. " + GIVEN);
        JsonNode data = MovieFeed.JSON.readTree(welcome.data());
        assertEquals(3, data.path("lastId").asLong(), "the welcome says the newest id: " + welcome.data());
        assertEquals(RETRY.toMillis(), data.path("retry").asLong(), "the welcome says the retry, for the page: " + welcome.data());
        post("movie 4", 2004);
        ServerSentEvent next = stream.next(WITHIN, "Then the live feed. " + GIVEN);
        assertEquals("4", next.lastEventId(), "no replay for a new client: after the welcome comes movie 4, live. "
                + "Only a Last-Event-ID asks for a replay. " + TODO_2);
    }

    // ---------------------------------------------------------------------------------------
    // reset
    // ---------------------------------------------------------------------------------------

    // A loop, not a @ParameterizedTest: the check (sse.check.Check) selects the tests it finds before
    // running any, and a parameterized test's cases are only made when it runs.
    @Test
    @ChecksTodo(2)
    @DisplayName("an id the history no longer holds, one never given out, or not an id at all gets a reset, then the live feed")
    void resetWhenHistoryCannotHelp() {
        for (String lastEventId : List.of("2", "999", "21", "abc", "-1", "1.5", "+5", "0x10", "99999999999999999999",
                "1234567890123456789012345")) {
            start(5); // a server of its own for each id: movies 16 to 20 kept, and 21 not given out yet
            try {
                resetThenLive(lastEventId);
            } finally {
                stop();
            }
        }
    }

    private void resetThenLive(String lastEventId) {
        for (int i = 1; i <= 20; i++) {
            post("movie " + i, 2000 + i);
        }
        EventStream stream = EventStream.open(server.uri("/events"), Map.of("Last-Event-ID", lastEventId));
        streams.add(stream);
        stream.expectEventStream("Any Last-Event-ID, even a bad one, gets a stream: never a 500. " + TODO_2);
        ServerSentEvent reset = stream.next(WITHIN, "Last-Event-ID: " + lastEventId + " cannot be caught up from a history "
                + "of movies 16 to 20: a reset event should come. " + TODO_2);
        assertEquals("reset", reset.type(), "Last-Event-ID: " + lastEventId + " with movies 16 to 20 kept should get an event "
                + "named reset, got " + reset + ". " + TODO_2);
        assertEquals("{\"lastId\":20}", reset.data(), "Last-Event-ID: " + lastEventId + ": the reset's data is new Reset(lastId). " + TODO_2);
        assertEquals("20", reset.lastEventId(), "Last-Event-ID: " + lastEventId + ": the reset carries the newest id, so the "
                + "browser resumes from there. " + TODO_2);
        post("movie 21", 2021);
        assertEquals("21", stream.next(WITHIN, "After the reset comes the live feed. " + TODO_2).lastEventId(),
                "Last-Event-ID: " + lastEventId + ": then movie 21, live. " + TODO_2);
    }

    @Test
    @ChecksTodo(2)
    @DisplayName("the oldest id the history can still catch up from gets a replay, not a reset")
    void oldestResumableIdGetsReplay() {
        start(5);
        for (int i = 1; i <= 20; i++) {
            post("movie " + i, 2000 + i);
        }
        EventStream stream = join(Map.of("Last-Event-ID", "15"));
        assertEquals(List.of(16L, 17L, 18L, 19L, 20L), ids(replayed(stream, 5, "Movies 16 to 20 are kept: a client "
                + "that saw 15 can be caught up. " + TODO_2)), "the whole history, no reset. " + TODO_2);
    }

    @Test
    @DisplayName("GET /movies answers the kept history, oldest first, for a page that got a reset")
    void moviesAnswersTheHistory() throws IOException {
        start(5);
        for (int i = 1; i <= 7; i++) {
            post("movie " + i, 2000 + i);
        }
        HttpResponse<String> answer = server.get("/movies");
        assertEquals(200, answer.statusCode(), "GET /movies. " + GIVEN);
        List<Long> ids = new ArrayList<>();
        MovieFeed.JSON.readTree(answer.body()).forEach(movie -> ids.add(movie.path("id").asLong()));
        assertEquals(List.of(3L, 4L, 5L, 6L, 7L), ids, "the 5 newest movies. " + GIVEN);
    }

    // ---------------------------------------------------------------------------------------
    // 204: stop for good
    // ---------------------------------------------------------------------------------------

    @Test
    @ChecksTodo(3)
    @DisplayName("a closed feed answers GET /events with 204 and no event stream; reopened, it streams again")
    void closedFeedAnswers204() {
        start(1000);
        EventStream open = join(Map.of());
        open.next(WITHIN, "A new client is welcomed. " + GIVEN);
        admin(server, "/admin/close");
        open.awaitEnd(WITHIN, "POST /admin/close also ends the open streams, so their browsers meet the 204. " + GIVEN);
        EventStream refused = EventStream.open(server.uri("/events"), Map.of("Last-Event-ID", "0"));
        streams.add(refused);
        refused.awaitEnd(WITHIN, "A closed feed answers at once and ends. " + TODO_3);
        assertEquals(204, refused.status(), "while the feed is closed, GET /events should answer 204 No Content: a browser "
                + "that gets it stops for good. " + TODO_3 + "\n" + refused.describe());
        assertFalse(refused.header("Content-Type").orElse("").startsWith("text/event-stream"),
                "a 204 is not an event stream. " + TODO_3 + "\n" + refused.describe());
        assertEquals("", refused.raw(), "a 204 has no body. " + TODO_3);

        admin(server, "/admin/open");
        join(Map.of()).next(WITHIN, "Reopened, the feed streams again. " + TODO_3);
    }

    // ---------------------------------------------------------------------------------------
    // The page
    // ---------------------------------------------------------------------------------------

    @Test
    @DisplayName("the page opens an EventSource on /events, listens for movie and reset, and writes only text")
    void page() {
        PageCheck page = PageCheck.of(ReconnectionApp.LESSON);
        page.assertOpensEventSource("/events");
        page.assertListensFor("welcome", "movie", "reset", "open", "error");
        page.assertElementsExist("state", "reconnects", "last-id", "retry", "movies", "movie-count", "drop", "close",
                "reopen", "movie-form", "title", "year", "form-result");
        page.assertWritesTextOnly();
        String script = page.script();
        assertTrue(script.contains("fetch(\"/movies\")"), "on reset the page reloads the list with fetch(\"/movies\")");
        assertTrue(script.contains("/admin/drop") && script.contains("/admin/close") && script.contains("/admin/open"),
                "the buttons post to /admin/drop, /admin/close and /admin/open");
    }

    @Test
    @DisplayName("the server serves the page at /")
    void servesThePage() {
        HttpResponse<String> page = start(1000).get("/");
        assertEquals(200, page.statusCode(), "GET / should answer with the page");
        assertTrue(page.body().contains("new EventSource(\"/events\")") && page.body().contains("/admin/drop"),
                "it is this lesson's page");
    }

    // ---------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------

    /** Opens a stream as a browser does, with extra headers, and keeps it to close after the test. */
    private EventStream join(Map<String, String> headers) {
        EventStream stream = EventStream.open(server.uri("/events"), headers);
        streams.add(stream);
        return stream.expectEventStream("GET /events should be a stream. " + GIVEN);
    }

    /** The bytes of a stream read as a browser would: the parser keeps the last id and the retry. */
    private static EventStreamParser parse(String raw) {
        EventStreamParser parser = new EventStreamParser(event -> { });
        byte[] bytes = raw.getBytes(StandardCharsets.UTF_8);
        parser.feed(bytes, 0, bytes.length);
        parser.end();
        return parser;
    }

    /** The next {@code count} events, each of which must be a movie: a welcome or a reset here means no replay. */
    private static List<ServerSentEvent> replayed(EventStream stream, int count, String hint) {
        long deadline = System.nanoTime() + WITHIN.toNanos();
        List<ServerSentEvent> movies = new ArrayList<>(count);
        while (movies.size() < count) {
            ServerSentEvent event = stream.next(MovieFeed.left(deadline), "Got " + movies.size() + " of " + count
                    + " movie(s). " + hint);
            assertEquals("movie", event.type(), "event " + (movies.size() + 1) + " should be a movie, got " + event + ". " + hint);
            movies.add(event);
        }
        return movies;
    }

    private static List<Long> ids(List<ServerSentEvent> events) {
        return events.stream().map(ReconnectionTest::movieId).toList();
    }

    /** A movie event's id, which must be the id in its data. */
    static long movieId(ServerSentEvent event) {
        assertEquals("movie", event.type(), "expected a movie event, got " + event);
        try {
            long id = MovieFeed.JSON.readTree(event.data()).path("id").asLong();
            assertEquals(String.valueOf(id), event.lastEventId(), "a movie event's id is the movie's id: " + event);
            return id;
        } catch (IOException e) {
            throw new AssertionError("a movie's data is JSON: " + event, e);
        }
    }

    private JsonNode post(String title, int year) {
        return post(server, title, year);
    }

    /** Posts a good movie (given code) and returns the answer: its id and how many clients got it. */
    static JsonNode post(TestServer server, String title, int year) {
        String movie = MovieFeed.JSON.createObjectNode().put("title", title).put("year", year).toString();
        HttpResponse<String> answer = server.post("/movies", "application/json", movie);
        MovieFeed.assertCreated(answer, GIVEN);
        try {
            return MovieFeed.JSON.readTree(answer.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + answer.body(), e);
        }
    }

    /** One of the /admin routes (given code): drop, close or open. */
    static void admin(TestServer server, String path) {
        HttpResponse<String> answer = server.post(path, null, "");
        assertEquals(200, answer.statusCode(), "POST " + path + ". " + GIVEN + "\n  answer: " + answer.body());
    }
}
