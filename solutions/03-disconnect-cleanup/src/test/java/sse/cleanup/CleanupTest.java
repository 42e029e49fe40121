package sse.cleanup;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.Await;
import sse.check.ChecksTodo;
import sse.check.EventStream;
import sse.check.PageCheck;
import sse.check.ServerSentEvent;
import sse.check.TestServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sse.check.MovieFeed.JSON;
import static sse.check.MovieFeed.left;

/** Lesson 03: per-client work ends when the client does. Run: ./mvnw -q -pl lessons/03-disconnect-cleanup test -Pcheck */
class CleanupTest {

    static final String TODO_1 = "Look at TODO 1 in CleanupApp.java (docs/03-disconnect-cleanup.md#todo-1-forget-the-client-that-left).";
    static final String TODO_2 = "Look at TODO 2 in CleanupApp.java (docs/03-disconnect-cleanup.md#todo-2-a-heartbeat).";
    static final String TODO_3 = "Look at TODO 3 in CleanupApp.java (docs/03-disconnect-cleanup.md#todo-3-stop-everything-with-the-server).";

    static final Duration FAST = Duration.ofMillis(50);
    static final Duration NEVER = Duration.ofHours(1);
    static final Duration WITHIN = Duration.ofSeconds(5);

    private CleanupApp lesson;
    private TestServer server;

    private TestServer start(Duration readingEvery, Duration heartbeatEvery) {
        lesson = new CleanupApp(new CleanupApp.Options(readingEvery, heartbeatEvery, Clock.systemUTC()));
        server = TestServer.start(lesson.create());
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** GET /stats over HTTP, as the page does. */
    static CleanupApp.Stats stats(TestServer server) {
        HttpResponse<String> response = server.get("/stats");
        assertEquals(200, response.statusCode(), "GET /stats: " + response.body());
        try {
            JsonNode json = JSON.readTree(response.body());
            return new CleanupApp.Stats(json.path("openStreams").asInt(-1), json.path("scheduledTasks").asInt(-1));
        } catch (IOException e) {
            throw new UncheckedIOException("GET /stats did not answer JSON: " + response.body(), e);
        }
    }

    /** Opens {@code count} more streams and waits until the server has registered them. */
    static List<EventStream> connect(TestServer server, int count) {
        int before = stats(server).openStreams();
        List<EventStream> streams = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            streams.add(EventStream.open(server.uri("/events")).expectEventStream("GET /events should be a stream"));
        }
        Await.until(() -> stats(server).openStreams() >= before + count, WITHIN,
                () -> count + " more clients connected, but /stats says " + stats(server));
        return streams;
    }

    @Test
    @DisplayName("a client gets readings as named events with JSON data and increasing ids")
    void readings() throws IOException {
        start(FAST, NEVER);
        try (EventStream stream = EventStream.open(server.uri("/events"))) {
            List<ServerSentEvent> events = stream.next(3, WITHIN, "readings should arrive every 50 ms in this test");
            for (int n = 1; n <= 3; n++) {
                ServerSentEvent event = events.get(n - 1);
                assertEquals("reading", event.type());
                assertEquals(String.valueOf(n), event.lastEventId());
                JsonNode reading = JSON.readTree(event.data());
                assertEquals(n, reading.path("n").asLong());
                double celsius = reading.path("celsius").asDouble();
                assertTrue(celsius >= 18 && celsius <= 24, "a reading between 18 and 24 °C, was " + celsius);
            }
        }
    }

    @Test
    @ChecksTodo(2)
    @DisplayName("/stats counts open streams and their scheduled tasks: a reading and a heartbeat each")
    void statsEndpoint() {
        start(NEVER, NEVER);
        assertEquals(new CleanupApp.Stats(0, 0), stats(server), "nobody is connected yet");
        try (EventStream stream = EventStream.open(server.uri("/events"))) {
            Await.until(() -> stats(server).openStreams() == 1, WITHIN, () -> "one client connected, /stats says " + stats(server));
            assertEquals(new CleanupApp.Stats(1, 2), stats(server),
                    "one client has two tasks: its readings and its heartbeat. " + TODO_2);
        }
    }

    @Test
    @ChecksTodo(1)
    @DisplayName("20 clients drop abruptly: their readings fail, and /stats returns to zero streams and zero tasks")
    void droppedClientsAreForgotten() {
        start(FAST, NEVER);
        EventStream watcher = EventStream.open(server.uri("/events"));
        List<EventStream> streams = connect(server, 20);
        streams.forEach(stream -> stream.next(WITHIN, "every client should get readings"));
        streams.forEach(EventStream::close);
        // The watcher stays: each reading it gets is a write the server also tried to each client that left,
        // and two failed writes are enough to notice one. So fail after 20 readings, not at a fixed time.
        long deadline = System.nanoTime() + WITHIN.toNanos();
        for (int readings = 0; stats(server).openStreams() > 1; readings++) {
            if (readings == 20) {
                throw new AssertionError("20 clients left, and 20 readings later /stats still says " + stats(server)
                        + ": their tasks keep running. " + TODO_1);
            }
            watcher.next(left(deadline), "the client that stayed should go on receiving readings");
        }
        watcher.close();
        Await.until(() -> stats(server).equals(new CleanupApp.Stats(0, 0)), WITHIN, () ->
                "21 clients left, but /stats still says " + stats(server) + ": their tasks keep running. " + TODO_1);
    }

    @Test
    @ChecksTodo(2)
    @DisplayName("on a quiet stream, heartbeat comments arrive at the configured cadence")
    void heartbeatCadence() {
        start(NEVER, Duration.ofMillis(100));
        try (EventStream stream = EventStream.open(server.uri("/events"))) {
            long begun = System.nanoTime();
            Await.until(() -> stream.comments().size() >= 5, WITHIN, () ->
                    "5 heartbeats (\": ping\") should come within 5 s at one per 100 ms. " + TODO_2 + "\n" + stream.describe());
            Duration took = Duration.ofNanos(System.nanoTime() - begun);
            assertTrue(took.toMillis() >= 450, "5 heartbeats came in " + took.toMillis()
                    + " ms: they should be 100 ms apart. " + TODO_2);
            assertEquals(List.of("ping"), stream.comments().stream().distinct().toList(), "each heartbeat is the comment \"ping\"");
            assertTrue(stream.raw().startsWith(": ping\n"), "a comment is a line that starts with a colon: " + stream.describe());
        }
    }

    @Test
    @ChecksTodo(value = 2, needs = 1)
    @DisplayName("on a quiet stream, the heartbeat is what finds the 20 clients that left")
    void heartbeatFindsDeadClients() {
        start(NEVER, FAST);
        List<EventStream> streams = connect(server, 20);
        streams.forEach(EventStream::close);
        Await.until(() -> stats(server).equals(new CleanupApp.Stats(0, 0)), WITHIN, () ->
                "20 clients left a stream with no readings; only a heartbeat write can notice. /stats says " + stats(server)
                        + ". " + TODO_2 + " " + TODO_1);
    }

    @Test
    @ChecksTodo(3)
    @DisplayName("stopping the server cancels every client's work and ends the scheduler thread")
    void stopEndsEverything() {
        start(FAST, FAST);
        connect(server, 3);
        server.close();
        Await.until(() -> lesson.stats().equals(new CleanupApp.Stats(0, 0)) && lesson.schedulerStopped(), WITHIN, () ->
                "after stop(): " + lesson.stats() + ", scheduler stopped: " + lesson.schedulerStopped()
                        + ". Javalin's stop() does not call onClose. " + TODO_3);
    }

    @Test
    @DisplayName("the page opens an EventSource on /events, shows /stats, and writes text only")
    void page() {
        PageCheck page = PageCheck.of(CleanupApp.LESSON);
        page.assertOpensEventSource("/events");
        page.assertListensFor("reading");
        page.assertElementsExist("state", "count", "readings", "open-streams", "scheduled-tasks", "toggle");
        page.assertWritesTextOnly();
        assertTrue(page.script().contains("fetch(\"/stats\")"), "the page should fetch /stats to show it live");
    }
}
