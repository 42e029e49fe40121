package sse.production;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.Await;
import sse.check.ChecksTodo;
import sse.check.EventStream;
import sse.check.EventStreamParser;
import sse.check.MovieFeed;
import sse.check.ServerSentEvent;
import sse.check.TestServer;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lesson 08: the queues, the writers, the jittered retry and the graceful stop, over real HTTP. Run: ./mvnw -q -pl lessons/08-production -am test -Pcheck */
class ProductionTest {

    static final String TODO_1 = "Look at TODO 1 in Outbox.java (docs/08-production.md#todo-1-write-without-blocking).";
    static final String TODO_3 = "Look at TODO 3 in ProductionApp.java (docs/08-production.md#todo-3-spread-the-reconnects).";
    static final String TODO_4 = "Look at TODO 4 in ProductionApp.java (docs/08-production.md#todo-4-stop-gracefully).";
    static final String GIVEN = "This part is already written, in ProductionApp.java: was it changed?";

    static final Duration WITHIN = Duration.ofSeconds(3);
    static final Duration RETRY = Duration.ofMillis(1000);
    static final Duration JITTER = Duration.ofMillis(2000);

    static ProductionApp.Options options() {
        return ProductionApp.Options.defaults()
                .withHeartbeatEvery(Duration.ofHours(1))
                .withStatsEvery(Duration.ofMillis(100))
                .withRetry(RETRY, JITTER)
                .withDrainFor(Duration.ofSeconds(2));
    }

    private ProductionApp lesson;
    private TestServer server;
    private final List<EventStream> streams = new ArrayList<>();

    private TestServer start(ProductionApp.Options options) {
        lesson = new ProductionApp(options);
        server = TestServer.start(lesson.create());
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

    private EventStream join(String query, Map<String, String> headers) {
        EventStream stream = EventStream.open(server.uri("/events" + query), headers);
        streams.add(stream);
        return stream;
    }

    private long post(String title, int year) {
        HttpResponse<String> answer = server.post("/movies", "application/json",
                "{\"title\": \"" + title + "\", \"year\": " + year + "}");
        MovieFeed.assertCreated(answer, GIVEN);
        return json(answer.body()).get("id").asLong();
    }

    private static JsonNode json(String body) {
        try {
            return MovieFeed.JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    private static List<Long> ids(List<ServerSentEvent> events) {
        return events.stream().map(event -> Long.parseLong(event.lastEventId())).toList();
    }

    // ---------------------------------------------------------------------------------------
    // TODO 1: the writers
    // ---------------------------------------------------------------------------------------

    @Test
    @ChecksTodo(1)
    @DisplayName("a new stream is an event stream that starts with retry: and a welcome")
    void newStreamIsWelcomed() {
        start(options());
        EventStream stream = join("", Map.of()).expectEventStream("GET /events");
        assertEquals("no-cache", stream.header("Cache-Control").orElse(""), "Cache-Control. " + GIVEN);
        assertEquals("no", stream.header("X-Accel-Buffering").orElse(""),
                "X-Accel-Buffering: no tells nginx not to hold events back. " + GIVEN);
        ServerSentEvent welcome = stream.next(WITHIN, "The welcome is queued for every new stream, but nothing "
                + "writes the queue to the socket. " + TODO_1);
        assertEquals("welcome", welcome.type(), "the first event. " + GIVEN);
        assertTrue(stream.raw().startsWith("retry: "), "the stream begins with retry:\n" + stream.describe());
    }

    @Test
    @ChecksTodo(1)
    @DisplayName("every posted movie reaches three clients once each, in order, with its id")
    void moviesReachEveryone() {
        start(options());
        List<EventStream> clients = List.of(join("?topics=movies", Map.of()), join("?topics=movies", Map.of()),
                join("?topics=movies", Map.of()));
        for (EventStream client : clients) {
            client.next(WITHIN, "Each new client is welcomed first. " + TODO_1);
        }
        for (int i = 1; i <= 5; i++) {
            post("movie " + i, 2000 + i);
        }
        for (EventStream client : clients) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L),
                    ids(MovieFeed.movies(client, 5, WITHIN, "Every client gets every movie. " + TODO_1)),
                    "movies 1 to 5, once each and in order. " + TODO_1);
        }
    }

    @Test
    @ChecksTodo(1)
    @DisplayName("many events in a burst arrive complete: nothing lost or cut when the socket is busy")
    void burstArrivesComplete() {
        start(options());
        EventStream client = join("?topics=movies", Map.of());
        client.next(WITHIN, "The welcome. " + TODO_1);
        int count = 300;
        for (int i = 1; i <= count; i++) {
            post("a movie with a rather long title, to fill the socket faster, number " + i, 1990 + i % 30);
        }
        assertEquals(LongStream.rangeClosed(1, count).boxed().toList(),
                ids(MovieFeed.movies(client, count, Duration.ofSeconds(10), "All " + count + " movies arrive. " + TODO_1)),
                "every movie once, in order. " + TODO_1);
    }

    @Test
    @DisplayName("one stream carries both topics as named events; ?topics= picks them")
    void topicsAreNamedEvents() {
        start(options());
        EventStream both = join("?topics=movies,stats", Map.of());
        EventStream statsOnly = join("?topics=stats", Map.of());
        // The headers come before the server has joined a stream; its first frames after: wait for them.
        ServerSentEvent first = both.next(WITHIN, "The welcome. " + TODO_1);
        statsOnly.awaitRaw(raw -> raw.startsWith("retry: "), WITHIN, "A stream starts with its retry: line. " + TODO_1);
        post("The Matrix", 1999);
        ServerSentEvent stats = statsOnly.next(WITHIN, "Stats come every 100 ms in this test. " + TODO_1);
        assertEquals("stats", stats.type(), "a stats-only stream gets no welcome and no movie, got " + stats);
        assertTrue(json(stats.data()).has("streams"), "the server's figures: " + stats.data());
        Set<String> types = new HashSet<>(Set.of(first.type()));
        Await.until(() -> {
            ServerSentEvent next = both.next(WITHIN, "Both topics on one stream. " + TODO_1);
            types.add(next.type());
            return types.containsAll(Set.of("welcome", "movie", "stats"));
        }, Duration.ofSeconds(5), () -> "one stream should carry welcome, movie and stats events, got " + types);
        assertFalse(statsOnly.raw().contains("event: movie"), "a stats-only stream never gets a movie:\n" + statsOnly.describe());
    }

    @Test
    @DisplayName("a page that closed its stream comes back with ?lastEventId= and gets what it missed")
    void resumeFromQueryParameter() {
        start(options());
        for (int i = 1; i <= 4; i++) {
            post("movie " + i, 2000 + i);
        }
        EventStream back = join("?topics=movies&lastEventId=2", Map.of());
        assertEquals(List.of(3L, 4L), ids(MovieFeed.movies(back, 2, WITHIN, "The replay after id 2. " + TODO_1)),
                "movies 3 and 4 from the history. " + TODO_1);
        EventStream header = join("?topics=movies&lastEventId=1", Map.of("Last-Event-ID", "3"));
        assertEquals(List.of(4L), ids(MovieFeed.movies(header, 1, WITHIN, "The replay after id 3. " + TODO_1)),
                "the header wins over the parameter: a browser's own reconnect sends the newer id. " + TODO_1);
    }

    @Test
    @DisplayName("a Last-Event-ID the server never gave, or not a number, gets a reset, never a 5xx")
    void strangeIdsGetReset() {
        start(options());
        post("The Matrix", 1999);
        for (String id : List.of("99", "abc", "-1", "1e0", "0x1", "99999999999999999999")) {
            EventStream stream = join("?topics=movies", Map.of("Last-Event-ID", id)).expectEventStream("Last-Event-ID " + id);
            ServerSentEvent event = stream.next(WITHIN, "An id the history cannot serve gets a reset. " + TODO_1);
            assertEquals("reset", event.type(), "Last-Event-ID \"" + id + "\": " + event);
            assertEquals("{\"lastId\":1}", event.data(), "the reset says the newest id");
            stream.close();
        }
    }

    // ---------------------------------------------------------------------------------------
    // TODO 3: jitter
    // ---------------------------------------------------------------------------------------

    @Test
    @ChecksTodo(value = 3, needs = 1)
    @DisplayName("each stream's retry: lies between retry and retry + jitter, and they differ")
    void retriesAreJittered() {
        start(options());
        Set<Long> retries = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            EventStream stream = join("?topics=movies", Map.of());
            ServerSentEvent welcome = stream.next(WITHIN, "The welcome. " + TODO_1);
            EventStreamParser parser = new EventStreamParser(event -> { });
            byte[] raw = stream.raw().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            parser.feed(raw, 0, raw.length);
            long retry = parser.retryMillis();
            assertTrue(retry >= RETRY.toMillis() && retry <= RETRY.toMillis() + JITTER.toMillis(),
                    "retry " + retry + " ms should be from " + RETRY.toMillis() + " to " + (RETRY.toMillis() + JITTER.toMillis())
                            + " ms. " + TODO_3);
            assertEquals(retry, json(welcome.data()).get("retry").asLong(), "the welcome tells the same retry. " + GIVEN);
            retries.add(retry);
            stream.close();
        }
        assertTrue(retries.size() >= 10, "20 streams should get (almost) 20 different retries, so that after a restart "
                + "they come back spread out; got " + retries + ". " + TODO_3);
    }

    // ---------------------------------------------------------------------------------------
    // TODO 4: the graceful stop
    // ---------------------------------------------------------------------------------------

    @Test
    @ChecksTodo(value = 4, needs = 1)
    @DisplayName("on stop, every stream is told a retry and ends cleanly, before the server goes")
    void stopEndsStreamsCleanly() {
        start(options().withDrainFor(Duration.ofSeconds(5)));
        List<EventStream> clients = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            EventStream client = join("?topics=movies", Map.of());
            client.next(WITHIN, "The welcome. " + TODO_1);
            clients.add(client);
        }
        long started = System.nanoTime();
        server.close();
        long stopMillis = (System.nanoTime() - started) / 1_000_000;
        for (EventStream client : clients) {
            client.awaitEnd(WITHIN, "The stop ends every stream.");
            String raw = client.raw();
            String afterWelcome = raw.substring(raw.indexOf("\n\n") + 2);
            assertTrue(afterWelcome.matches("(?s)retry: \\d+\n"), "after the welcome, the last thing on a stream "
                    + "should be one retry: line, and then the stream ends; got:\n" + client.describe() + "\n" + TODO_4);
        }
        assertTrue(stopMillis < 4000, "streams that read their last line let the server stop at once, not after "
                + "drainFor (5 s): it took " + stopMillis + " ms. " + TODO_4);
        server = null;
        List<String> left = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .map(Thread::getName).filter(name -> name.startsWith("writer-") || name.equals("heartbeat")).toList();
        assertEquals(List.of(), left, "a stopped server leaves no writer or timer thread running. " + GIVEN);
    }
}
