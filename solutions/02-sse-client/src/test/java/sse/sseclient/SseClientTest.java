package sse.sseclient;

import com.fasterxml.jackson.databind.JsonNode;
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

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sse.check.MovieFeed.JSON;

/** Lesson 02: checks the SseClient feed over real HTTP. Run: ./mvnw -q -pl lessons/02-sse-client test -Pcheck */
class SseClientTest {

    static final String TODO_1 = "Look at TODO 1 in SseClientApp.java (docs/02-sse-client.md#todo-1-keep-the-stream-open).";
    static final String TODO_2 = "Look at TODO 2 in SseClientApp.java (docs/02-sse-client.md#todo-2-stop-when-the-client-leaves).";
    static final String TODO_3 = "Look at TODO 3 in SseClientApp.java (docs/02-sse-client.md#todo-3-a-named-event).";
    static final String TODO_4 = "Look at TODO 4 in SseClientApp.java (docs/02-sse-client.md#todo-4-json-data-and-an-id).";

    static final Duration INTERVAL = Duration.ofMillis(50);
    static final Duration WITHIN = Duration.ofSeconds(3);

    private SseClientApp lesson;
    private TestServer server;

    private TestServer start() {
        lesson = new SseClientApp(new SseClientApp.Options(INTERVAL, 3,
                new SteppingClock(Instant.parse("2026-01-01T09:00:00Z"), Duration.ofSeconds(1))));
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
    @DisplayName("Javalin answers 200 with the event-stream headers, and also asks proxies not to buffer")
    void headers() {
        try (EventStream stream = EventStream.open(start().uri("/events"))) {
            stream.expectEventStream("SseClient sets these itself: is the route declared with config.routes.sse?");
            assertEquals("text/event-stream;charset=utf-8",
                    stream.header("Content-Type").orElseThrow().toLowerCase(Locale.ROOT).replace(" ", ""));
            assertEquals("no-cache", stream.header("Cache-Control").orElse("(none)"));
            assertEquals("no", stream.header("X-Accel-Buffering").orElse("(none)"),
                    "X-Accel-Buffering: no tells nginx not to hold events back");
        }
    }

    @Test
    @ChecksTodo(1)
    @DisplayName("the stream stays open after onConnect returns, so what the tick thread sends later arrives")
    void staysOpen() {
        try (EventStream stream = EventStream.open(start().uri("/events"))
                .expectEventStream("SseClient answers a request with Accept: text/event-stream by itself.")) {
            // The tick thread sends this unnamed event after the third tick, whatever the later TODOs do.
            Await.until(() -> stream.ended() || stream.raw().contains("3 ticks sent to you so far"), WITHIN, () ->
                    "Three ticks after connecting, \"3 ticks sent to you so far\" should have arrived. " + TODO_1
                            + "\n" + stream.describe());
            assertFalse(stream.ended(), "The stream ended as soon as onConnect returned, so nothing the tick thread "
                    + "sends later can reach the client. " + TODO_1 + "\n" + stream.describe());
        }
    }

    @Test
    @ChecksTodo(3)
    @DisplayName("a new client first gets a welcome event whose three lines arrive intact")
    void welcome() {
        try (EventStream stream = EventStream.open(start().uri("/events"))) {
            ServerSentEvent first = stream.next(WITHIN, "No event arrived. " + TODO_3);
            assertEquals(new ServerSentEvent("welcome",
                    "Welcome, client 1!\nA tick comes every 50 ms.\nThis text has three lines.", ""), first,
                    "the first event should be the welcome. " + TODO_3);
            assertTrue(stream.raw().startsWith("event: welcome\ndata: Welcome, client 1!\ndata: A tick comes every 50 ms.\n"
                    + "data: This text has three lines.\n\n"), "each line of the text travels on its own data: line. "
                    + TODO_3 + "\n" + stream.describe());
        }
    }

    @Test
    @ChecksTodo(value = 4, needs = {1, 3})
    @DisplayName("ticks are named events with JSON data and increasing ids, and every third an unnamed event follows")
    void ticksAndMessages() throws Exception {
        try (EventStream stream = EventStream.open(start().uri("/events"))) {
            stream.next(WITHIN, "No welcome event arrived. " + TODO_3);
            List<ServerSentEvent> events = stream.next(4, WITHIN, "The stream should go on with ticks. " + TODO_4);
            for (int n = 1; n <= 3; n++) {
                ServerSentEvent tick = events.get(n - 1);
                assertEquals("tick", tick.type(), "event " + n + " after the welcome should be a tick. " + TODO_4);
                assertEquals(String.valueOf(n), tick.lastEventId(), "a tick's id is its number. " + TODO_4);
                JsonNode data = JSON.readTree(tick.data());
                assertEquals(n, data.get("n").asLong(), "the JSON's n. " + TODO_4 + " Data was: " + tick.data());
                assertEquals("2026-01-01T09:00:0" + (n - 1) + "Z", data.get("time").asText(), "the JSON's time. " + TODO_4);
            }
            assertEquals(new ServerSentEvent("message", "3 ticks sent to you so far", "3"), events.get(3),
                    "after the third tick comes an event without a name: the browser calls it \"message\", "
                            + "and it keeps the last id it saw");
            assertTrue(stream.raw().contains("\n\ndata: 3 ticks sent to you so far\n\n"),
                    "an unnamed event has no event: line at all, got " + stream.describe());
        }
    }

    @Test
    @ChecksTodo(value = 2, needs = 1)
    @DisplayName("when a client leaves its ticks stop, and the others' go on")
    void ticksStopWhenClientLeaves() {
        URI events = start().uri("/events");
        try (EventStream stays = EventStream.open(events)) {
            EventStream leaves = EventStream.open(events);
            Await.until(() -> lesson.tickingClients() == 2, WITHIN, () -> "two clients connected, so two should be "
                    + "ticking, but " + lesson.tickingClients() + " are. " + TODO_1 + " " + TODO_2);
            leaves.close();
            Await.until(() -> lesson.tickingClients() == 1, WITHIN, () -> "The client left but its ticks are still "
                    + "scheduled (" + lesson.tickingClients() + " clients ticking). " + TODO_2);
            stays.next(3, WITHIN, "The client that stayed should keep getting events: cancel only the ticks of the "
                    + "client that left. " + TODO_2);
        }
    }

    @Test
    @DisplayName("stopping the server stops the tick thread")
    void stopStopsTicker() {
        try (EventStream stream = EventStream.open(start().uri("/events"))) {
            stream.next(2, WITHIN, "No welcome and tick. " + TODO_1 + " " + TODO_3 + " " + TODO_4);
            server.close();
            Await.until(lesson::tickerStopped, WITHIN, () -> "the tick thread should stop with the server; it is at "
                    + java.util.Arrays.toString(Thread.getAllStackTraces().entrySet().stream()
                    .filter(e -> e.getKey().getName().equals("ticker")).findFirst().map(java.util.Map.Entry::getValue)
                    .orElse(new StackTraceElement[0])));
        }
    }

    @Test
    @DisplayName("without Accept: text/event-stream Javalin's SseClient sends nothing at all")
    void needsAcceptHeader() {
        HttpResponse<String> plain = start().get("/events");
        assertFalse(plain.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"),
                "a request without the Accept header is not a stream");
        assertEquals("", plain.body(), "curl needs -H 'Accept: text/event-stream' to see events");
        assertEquals(0, lesson.tickingClients(), "and no ticks were scheduled for it");
    }

    @Test
    @DisplayName("the page listens for welcome and tick events and writes them as text")
    void page() {
        PageCheck page = PageCheck.of(SseClientApp.LESSON);
        page.assertOpensEventSource("/events");
        page.assertListensFor("welcome", "tick");
        page.assertElementsExist("state", "welcome", "ticks", "messages", "tick-count", "last-id");
        page.assertWritesTextOnly();
    }
}
