package sse.rawstream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.Await;
import sse.check.ChecksTodo;
import sse.check.EventStream;
import sse.check.PageCheck;
import sse.check.ServerSentEvent;
import sse.check.SteppingClock;
import sse.check.TestServer;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lesson 01: checks the hand-written stream over real HTTP. Run: ./mvnw -q -pl lessons/01-raw-stream test -Pcheck */
class RawStreamTest {

    static final String TODO_1 = "Look at TODO 1 in RawStreamApp.java (docs/01-raw-stream.md#todo-1-the-headers).";
    static final String TODO_2 = "Look at TODO 2 in RawStreamApp.java (docs/01-raw-stream.md#todo-2-one-event).";
    static final String TODO_3 = "Look at TODO 3 in RawStreamApp.java (docs/01-raw-stream.md#todo-3-until-the-client-leaves).";

    static final Instant START = Instant.parse("2026-01-01T09:00:00Z");
    static final Duration INTERVAL = Duration.ofMillis(100);
    static final Duration WITHIN = Duration.ofSeconds(3);

    private RawStreamApp lesson;
    private TestServer server;

    private TestServer start(String allowOrigin) {
        lesson = new RawStreamApp(new RawStreamApp.Options(INTERVAL, new SteppingClock(START, Duration.ofSeconds(1)), allowOrigin));
        server = TestServer.start(lesson.create());
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @ChecksTodo(1)
    @DisplayName("the response is 200 with the headers of an event stream")
    void headers() {
        try (EventStream stream = EventStream.open(start(null).uri("/events"))) {
            assertEquals(200, stream.status(), "The status should be 200. " + TODO_1 + "\n" + stream.describe());
            String contentType = stream.header("Content-Type").orElse("(none)").toLowerCase(Locale.ROOT).replace(" ", "");
            assertTrue(contentType.startsWith("text/event-stream"),
                    "Content-Type should be text/event-stream, was " + contentType + ". " + TODO_1);
            assertTrue(contentType.contains("charset=utf-8"),
                    "Content-Type should say charset=utf-8, was " + contentType + ". " + TODO_1);
            assertEquals("no-cache", stream.header("Cache-Control").orElse("(none)"), "Cache-Control. " + TODO_1);
            assertTrue(stream.header("Access-Control-Allow-Origin").isEmpty(),
                    "no origin was allowed, so there should be no Access-Control-Allow-Origin header");
        }
    }

    @Test
    @ChecksTodo(value = 2, needs = 1)
    @DisplayName("an event is a data line and a blank line, flushed as soon as it is written")
    void exactFraming() {
        try (EventStream stream = EventStream.open(start(null).uri("/events")).expectEventStream(TODO_1)) {
            String expected = "data: 2026-01-01T09:00:00Z\n\n";
            String raw = stream.awaitRaw(bytes -> bytes.length() >= expected.length(), WITHIN,
                    "An event should arrive as `data: <time>` and a blank line. " + TODO_2);
            assertEquals(expected, raw.substring(0, expected.length()), "the exact bytes of the first event. " + TODO_2);
        }
    }

    @Test
    @ChecksTodo(value = 3, needs = {1, 2})
    @DisplayName("the browser would see one message per interval, in order, carrying the time")
    void eventsInOrder() {
        try (EventStream stream = EventStream.open(start(null).uri("/events")).expectEventStream(TODO_1)) {
            long begun = System.nanoTime();
            List<ServerSentEvent> events = stream.next(3, WITHIN, TODO_2 + " " + TODO_3);
            Duration took = Duration.ofNanos(System.nanoTime() - begun);
            assertEquals(List.of(
                    new ServerSentEvent("message", "2026-01-01T09:00:00Z", ""),
                    new ServerSentEvent("message", "2026-01-01T09:00:01Z", ""),
                    new ServerSentEvent("message", "2026-01-01T09:00:02Z", "")), events);
            assertTrue(took.compareTo(INTERVAL.multipliedBy(2).minusMillis(20)) >= 0,
                    "three events came within " + took.toMillis() + " ms: the loop should wait one interval ("
                            + INTERVAL.toMillis() + " ms) between events. " + TODO_3);
        }
    }

    @Test
    @ChecksTodo(value = 3, needs = {1, 2})
    @DisplayName("when the client leaves, the next write fails, the loop ends and its thread is freed")
    void stopsWhenClientLeaves() {
        EventStream stream = EventStream.open(start(null).uri("/events")).expectEventStream(TODO_1);
        stream.next(1, WITHIN, TODO_2 + " " + TODO_3);
        assertEquals(1, lesson.openStreams(), "one client is connected, so one stream should be open");
        stream.close();
        Await.until(() -> lesson.openStreams() == 0, WITHIN, () ->
                "The client left but its stream is still being written (open streams: " + lesson.openStreams()
                        + "). The write to a gone client throws an IOException: end the loop there. " + TODO_3);
    }

    @Test
    @ChecksTodo(1)
    @DisplayName("a page on another origin may read the stream only when that origin is allowed")
    void allowedOrigin() {
        try (EventStream stream = EventStream.open(start("http://localhost:5173").uri("/events"))) {
            assertEquals("http://localhost:5173", stream.header("Access-Control-Allow-Origin").orElse("(none)"),
                    "Access-Control-Allow-Origin. " + TODO_1 + "\n" + stream.describe());
        }
    }

    @Test
    @DisplayName("the server serves the lesson's page at /")
    void servesPage() {
        HttpResponse<String> page = start(null).get("/");
        assertEquals(200, page.statusCode(), "GET / should answer with the page");
        assertTrue(page.body().contains("new EventSource(\"/events\")"), "GET / should be web/01-raw-stream/index.html");
    }

    @Test
    @DisplayName("the page opens an EventSource on /events and writes each event as text")
    void page() {
        PageCheck page = PageCheck.of(RawStreamApp.LESSON);
        page.assertOpensEventSource("/events");
        page.assertElementsExist("state", "count", "events");
        page.assertWritesTextOnly();
    }
}
