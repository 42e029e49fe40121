package sse.reconnection;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.EventStream;
import sse.check.EventStreamParser;
import sse.check.TestServer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A race, not one TODO: guards that replay and joining happen under the feed lock, so no id is lost or sent twice. */
class ReplayRaceTest {

    static final String TODO_2 = ReconnectionTest.TODO_2;
    static final String GIVEN = ReconnectionTest.GIVEN;
    static final Duration WITHIN = ReconnectionTest.WITHIN;

    private TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.start(new ReconnectionApp(new ReconnectionApp.Options(ReconnectionTest.HEARTBEAT,
                ReconnectionTest.MAX_BODY, 1000, ReconnectionTest.RETRY)).create());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    @DisplayName("the replay race: 200 reconnects while movies are posted nonstop, and every id arrives exactly once, in order")
    void noGapNoDuplicateUnderLoad() throws Exception {
        int reconnects = 200;
        long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
        AtomicBoolean posting = new AtomicBoolean(true);
        AtomicLong lastPosted = new AtomicLong();
        List<Long> seen = new ArrayList<>();
        String lastEventId = "0"; // the client starts from the beginning: every movie is replayed to it
        long began = System.nanoTime();
        ExecutorService publisher = Executors.newSingleThreadExecutor();
        try {
            Future<?> posts = publisher.submit(() -> {
                while (posting.get() && System.nanoTime() < deadline) {
                    lastPosted.set(ReconnectionTest.post(server, "nonstop", 1999).path("id").asLong());
                }
            });
            for (int r = 0; r <= reconnects; r++) {
                assertTrue(System.nanoTime() < deadline, "not finished within 45 s: " + r + " reconnects done");
                if (r == reconnects) {
                    posting.set(false);
                    posts.get(10, TimeUnit.SECONDS);
                }
                EventStream stream = EventStream.open(server.uri("/events"), Map.of("Last-Event-ID", lastEventId));
                stream.expectEventStream("GET /events should be a stream. " + GIVEN);
                // The headers come before the server has registered the client; its retry: line after. A drop
                // sent before it finds no one to drop (the last round waits for no movie, so it would).
                stream.awaitRaw(raw -> raw.startsWith("retry: "), WITHIN, "The retry: line comes first. " + ReconnectionTest.TODO_1);
                long next = seen.isEmpty() ? 1 : seen.get(seen.size() - 1) + 1;
                // Stay until the next movie has come (the last one posted, the last time round).
                long want = r == reconnects ? lastPosted.get() : next;
                String hint = "Reconnect " + r + " with Last-Event-ID: " + lastEventId + " should bring movie " + want
                        + " (last posted: " + lastPosted.get() + "). " + TODO_2;
                if (want >= next) {
                    stream.awaitRaw(raw -> ("\n" + raw).contains("\nid: " + want + "\n") || raw.contains("event: reset"), WITHIN, hint);
                }
                // Half the drops come from the server, half from the client, as a network blip would.
                if (r % 2 == 0) {
                    ReconnectionTest.admin(server, "/admin/drop");
                    stream.awaitEnd(WITHIN, "POST /admin/drop ends the stream. " + GIVEN);
                }
                stream.close();
                EventStreamParser parser = new EventStreamParser(event -> {
                    assertFalse(event.type().equals("reset"), "no reset is expected: the client is never more than the "
                            + "history behind. " + hint);
                    if (event.type().equals("movie")) {
                        seen.add(ReconnectionTest.movieId(event));
                    }
                });
                byte[] bytes = stream.raw().getBytes(StandardCharsets.UTF_8);
                parser.feed(bytes, 0, bytes.length);
                parser.end();
                if (!parser.lastEventId().isEmpty()) {
                    lastEventId = parser.lastEventId(); // as a browser: kept when a connection brought no id
                }
            }
        } finally {
            posting.set(false);
            publisher.shutdownNow();
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
        List<Long> expected = LongStream.rangeClosed(1, lastPosted.get()).boxed().toList();
        if (!expected.equals(seen)) {
            throw new AssertionError("Over " + reconnects + " reconnects the client should see ids 1 to " + lastPosted.get()
                    + " each exactly once, in order. " + firstDifference(expected, seen) + ". Replay and join under the "
                    + "feed lock, as publish() holds it. " + TODO_2);
        }
        System.out.printf("replay race: %d reconnects, %d movies, every id once and in order, in %.1f s%n",
                reconnects, lastPosted.get(), millis / 1000.0);
    }

    private static String firstDifference(List<Long> expected, List<Long> seen) {
        for (int i = 0; i < Math.min(expected.size(), seen.size()); i++) {
            if (!expected.get(i).equals(seen.get(i))) {
                return "At position " + i + " came id " + seen.get(i) + " instead of " + expected.get(i) + " (around it: "
                        + seen.subList(Math.max(0, i - 3), Math.min(seen.size(), i + 4)) + ")";
            }
        }
        return "Got " + seen.size() + " ids instead of " + expected.size();
    }
}
