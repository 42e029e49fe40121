package sse.scaleout;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sse.check.Await;
import sse.check.EventStream;
import sse.check.LastEventIdFuzz;
import sse.check.MovieFeed;
import sse.check.PostFuzz;
import sse.check.ServerSentEvent;
import sse.check.TestServer;
import sse.scaleout.cluster.RedisProcess;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Robustness, not a TODO: an instance on a real Redis, fed seeded random input from outside. Lesson 04's
 * random posts (never a 5xx, a JSON reason for every refusal, one event per accepted post, carrying the
 * movie that was posted after its trip through Redis), and random {@code Last-Event-ID} headers,
 * {@code lastEventId} query values and {@code Content-Type} headers on the stream's GET (a stream replays
 * from a real id or not at all). The same seed gives the same run.
 */
class ScaleOutFuzzTest {

    static final Duration WITHIN = Duration.ofSeconds(5);
    /** How many movies the Last-Event-ID test posts, and how many the instance keeps of them. */
    static final int POSTED = 30;
    static final int KEPT = 20;

    @TempDir
    Path dir;

    /** Runs {@code test} against one instance on a real Redis of its own; the server stops before Redis does. */
    private void onRedis(ScaleOutApp.Options options, int brokerKeeps, BiConsumer<ScaleOutApp, TestServer> test) throws IOException {
        try (RedisProcess redis = RedisProcess.start(dir.resolve("redis"), RedisBrokerTest.freePort())) {
            ScaleOutApp app = new ScaleOutApp(options, new RedisBroker(URI.create(redis.uri()), brokerKeeps));
            try (TestServer server = TestServer.start(app.create())) {
                test.accept(app, server);
            }
        }
    }

    @Test
    @DisplayName("1000 random bodies and 500 random Content-Types through Redis: never a 5xx, one event per accepted post, the movie that was posted")
    void randomPosts() throws IOException {
        onRedis(ScaleOutTest.options("a"), 1000, (app, server) -> {
            try (EventStream stream = EventStream.open(server.uri("/events?topics=movies")).expectEventStream("GET /events")) {
                Await.until(() -> app.clients() == 1, WITHIN, () -> "the stream should be registered");
                stream.next(2, WITHIN, "the instance and the welcome");
                PostFuzz.Outcome outcome = PostFuzz.run(server, 9L, 1000, 500);
                System.out.println("POST fuzz through Redis: " + outcome);
                assertTrue(outcome.acceptedIds().size() > 50, "some random posts are good movies: " + outcome);
                PostFuzz.assertOneEventPerAcceptedPost(server, stream, outcome.acceptedIds());
                assertPostedMovies(stream, outcome);
            }
        });
    }

    /** Every accepted movie reached the stream as it was posted: Redis changed no byte of its title. */
    private static void assertPostedMovies(EventStream stream, PostFuzz.Outcome outcome) {
        Map<Long, JsonNode> received = new HashMap<>();
        for (EventStream.Arrival arrival : stream.arrivals()) {
            if (arrival.event().type().equals("movie")) {
                received.put(Long.parseLong(arrival.event().lastEventId()), tree(arrival.event().data()));
            }
        }
        for (int i = 0; i < outcome.acceptedIds().size(); i++) {
            long id = outcome.acceptedIds().get(i);
            JsonNode posted = tree(new String(outcome.acceptedBodies().get(i), StandardCharsets.UTF_8).replaceFirst("^\uFEFF", ""));
            JsonNode movie = received.get(id);
            assertEquals(posted.get("title").textValue(), movie.get("title").textValue(),
                    "movie " + id + " should carry the title that was posted, after Redis: " + movie);
            assertEquals(posted.get("year").intValue(), movie.get("year").intValue(), "movie " + id + "'s year: " + movie);
        }
    }

    @Test
    @DisplayName("300 streams with random Last-Event-IDs, lastEventId values and Content-Types: never a 5xx; a replay only from a real id, of exactly what came after it")
    void randomLastEventIds() throws IOException {
        onRedis(ScaleOutTest.options("a").withHistorySize(KEPT).withHeartbeatEvery(Duration.ofMillis(10)), KEPT, (app, server) -> {
            for (int i = 1; i <= POSTED; i++) {
                MovieFeed.assertCreated(server.post("/movies", "application/json", "{\"title\":\"movie " + i + "\",\"year\":2000}"),
                        "a good movie is accepted");
            }
            Await.until(() -> app.lastId() == POSTED, WITHIN, () -> "the instance should hear every movie back from Redis");
            Map<Long, JsonNode> kept = new HashMap<>();
            tree(server.get("/movies").body()).forEach(movie -> kept.put(movie.get("id").asLong(), movie));
            assertEquals(KEPT, kept.size(), "the instance keeps the newest " + KEPT);

            Random random = new Random(90L);
            long started = System.nanoTime();
            TreeMap<String, Integer> outcomes = LastEventIdFuzz.inBatches(300, n -> Case.random(random, server, n), c -> c.check(kept));
            System.out.println("Last-Event-ID fuzz: 300 streams in " + (System.nanoTime() - started) / 1_000_000 + " ms, " + outcomes);
            assertTrue(outcomes.getOrDefault("replay", 0) > 20 && outcomes.getOrDefault("reset", 0) > 20
                    && outcomes.getOrDefault("welcome", 0) > 5, "the values should reach every branch: " + outcomes);
        });
    }

    /** One stream opened with a random header, query value or both; the stream is opened at once, checked later. */
    private record Case(String what, String header, String query, String queryDecoded, EventStream stream) {

        /** Query values a decoder may get wrong: overlong and broken UTF-8, a NUL, escapes cut short. */
        private static final String[] RAW_QUERIES = {"%C0%B5", "%E0%80%B5", "%F0%80%80%B5", "%FF", "5%00", "%00", "%2B5", "%35",
                "%3", "%zz", "%", "+5", "5+", "%EF%BC%95", "1%0A2", "%0D%0A5", "%32%35", "2%35"};

        static Case random(Random random, TestServer server, int n) {
            int shape = random.nextInt(5); // 0: header, 1: query, 2: both, 3: a raw query, 4: both, the query raw
            String header = shape == 1 || shape == 3 ? null : LastEventIdFuzz.value(random, POSTED, true);
            String query = null;
            if (shape == 1 || shape == 2) {
                query = URLEncoder.encode(LastEventIdFuzz.value(random, POSTED, false), StandardCharsets.UTF_8);
            } else if (shape >= 3) {
                query = RAW_QUERIES[random.nextInt(RAW_QUERIES.length)];
            }
            String decoded;
            try {
                decoded = query == null ? null : URLDecoder.decode(query, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException malformed) {
                decoded = null;
            }
            Map<String, String> headers = new HashMap<>();
            if (header != null) {
                headers.put("Last-Event-ID", header);
            }
            // A GET has no body, but a client may still send a Content-Type: the server has no reason to read it.
            String type = random.nextInt(3) == 0 ? PostFuzz.contentType(random, "text/event-stream", "; charset") : null;
            if (type != null) {
                headers.put("Content-Type", type);
            }
            String path = "/events?topics=movies" + (query == null ? "" : "&lastEventId=" + query);
            String what = "case " + n + " (seed 90): " + (header == null ? "no header" : "Last-Event-ID \"" + escape(header) + "\"")
                    + (query == null ? ", no query" : ", ?lastEventId=" + query) + (type == null ? "" : ", Content-Type \"" + escape(type) + "\"");
            return new Case(what, header, query, decoded,
                    EventStream.openRaw(server.uri("/"), path, headers));
        }

        /** Waits for the stream's first heartbeat, which comes after its first frames, then checks those. */
        String check(Map<Long, JsonNode> kept) {
            try (stream) {
                int status = stream.status();
                if (status >= 500) {
                    throw new AssertionError("never a 5xx: " + what + "\n" + stream.describe());
                }
                if (status != 200) {
                    stream.awaitEnd(WITHIN, "a refusal ends");
                    PostFuzz.assertJsonError(status, stream.header("Content-Type").orElse(""), stream.raw(), what);
                    if (query == null || queryDecoded != null) {
                        throw new AssertionError("only a query the server cannot decode may be refused: " + what + "\n" + stream.describe());
                    }
                    return String.valueOf(status);
                }
                stream.expectEventStream(what);
                stream.awaitRaw(raw -> !stream.comments().isEmpty(), WITHIN, "a heartbeat after the first frames: " + what);
                List<ServerSentEvent> first = stream.arrivals().stream().map(EventStream.Arrival::event).toList();
                assertTrue(!first.isEmpty() && first.get(0).type().equals("instance"), "the instance comes first: " + what + " " + first);
                List<ServerSentEvent> rest = first.subList(1, first.size());
                String sent = header != null ? LastEventIdFuzz.asReceived(header) : queryDecoded;
                if (header == null && query != null && queryDecoded == null) {
                    // A query the test cannot decode: whatever the server makes of it, it is no id.
                    assertTrue(rest.size() == 1 && rest.get(0).type().matches("welcome|reset"),
                            "an undecodable lastEventId is no id: a welcome or a reset, not " + rest + " for " + what);
                    return rest.get(0).type();
                }
                if (sent == null || sent.isEmpty()) {
                    assertEquals(List.of("welcome"), types(rest), "no id: a welcome. " + what);
                    assertEquals(String.valueOf(POSTED), rest.get(0).lastEventId(), "the welcome's id is the newest: " + what);
                    return "welcome";
                }
                OptionalLong seen = LastEventIdFuzz.id(sent);
                if (seen.isEmpty() || seen.getAsLong() > POSTED || seen.getAsLong() < POSTED - KEPT) {
                    assertEquals(List.of("reset"), types(rest), "not an id the history can replay from: a reset. " + what);
                    assertEquals(String.valueOf(POSTED), rest.get(0).lastEventId(), "the reset's id is the newest: " + what);
                    return "reset";
                }
                List<Long> expected = LongStream.rangeClosed(seen.getAsLong() + 1, POSTED).boxed().toList();
                assertEquals(expected, rest.stream().map(event -> Long.parseLong(event.lastEventId())).toList(),
                        "a replay of exactly what came after " + seen.getAsLong() + ": " + what);
                for (ServerSentEvent event : rest) {
                    assertEquals("movie", event.type(), what);
                    assertEquals(kept.get(Long.parseLong(event.lastEventId())), tree(event.data()), "the replayed movie as it was: " + what);
                }
                return "replay";
            }
        }
    }

    private static List<String> types(List<ServerSentEvent> events) {
        return events.stream().map(ServerSentEvent::type).toList();
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            out.append(c >= 0x20 && c < 0x7F && c != '\\' ? String.valueOf(c) : String.format("\\x%02X", (int) c));
        }
        return out.toString();
    }

    private static JsonNode tree(String json) {
        try {
            return MovieFeed.JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }
}
