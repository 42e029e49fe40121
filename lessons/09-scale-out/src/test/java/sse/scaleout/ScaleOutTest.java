package sse.scaleout;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sse.check.Await;
import sse.check.ChecksTodo;
import sse.check.EventStream;
import sse.check.MovieFeed;
import sse.check.ServerSentEvent;
import sse.check.TestServer;
import sse.scaleout.cluster.RedisProcess;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lesson 09: instances that share a Redis broker, in one JVM for speed (the load-balanced cluster of
 * separate processes is tested in ClusterNginxIT). Every stream read is bounded.
 */
class ScaleOutTest {

    static final String TODO_3 = "Look at TODO 3 in ScaleOutApp.java (docs/09-scale-out.md#todo-3-wait-for-an-instance-that-is-behind).";
    static final String GIVEN = "This part is already written, in ScaleOutApp.java: was it changed?";
    static final Duration WITHIN = Duration.ofSeconds(5);

    @TempDir
    static Path dir;
    static RedisProcess redis;
    private static int database;

    private final List<TestServer> servers = new ArrayList<>();
    private final List<EventStream> streams = new ArrayList<>();

    @BeforeAll
    static void startRedis() throws IOException {
        redis = RedisProcess.start(dir.resolve("redis"), RedisBrokerTest.freePort());
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @AfterEach
    void stop() {
        streams.forEach(EventStream::close);
        servers.forEach(TestServer::close);
    }

    static ScaleOutApp.Options options(String instance) {
        return ScaleOutApp.Options.defaults(instance).withHeartbeatEvery(Duration.ofMillis(200))
                .withRetry(Duration.ofMillis(300), Duration.ofMillis(300)).withDrainFor(Duration.ofSeconds(2));
    }

    /** A URI for a database no other test uses: each test starts from an empty stream. */
    private static URI freshDatabase() {
        return URI.create(redis.uri() + "/" + (++database % 16));
    }

    private ScaleOutApp[] startInstances(URI broker, String... names) {
        ScaleOutApp[] apps = new ScaleOutApp[names.length];
        for (int i = 0; i < names.length; i++) {
            apps[i] = new ScaleOutApp(options(names[i]), new RedisBroker(broker, 1000));
            servers.add(TestServer.start(apps[i].create()));
        }
        return apps;
    }

    private EventStream join(TestServer server, Map<String, String> headers) {
        EventStream stream = EventStream.open(server.uri("/events?topics=movies"), headers).expectEventStream("GET /events");
        streams.add(stream);
        return stream;
    }

    private static JsonNode post(TestServer server, String title) {
        HttpResponse<String> answer = server.post("/movies", "application/json", "{\"title\": \"" + title + "\", \"year\": 2001}");
        MovieFeed.assertCreated(answer, GIVEN);
        try {
            return MovieFeed.JSON.readTree(answer.body());
        } catch (IOException e) {
            throw new AssertionError(answer.body(), e);
        }
    }

    private static List<Long> ids(List<ServerSentEvent> events) {
        return events.stream().map(event -> Long.parseLong(event.lastEventId())).toList();
    }

    @Test
    @DisplayName("a movie posted to instance a reaches clients on a, b and c with the same id, in the same order")
    void oneFeedAcrossInstances() {
        startInstances(freshDatabase(), "a", "b", "c");
        List<EventStream> clients = new ArrayList<>();
        for (TestServer server : servers) {
            EventStream client = join(server, Map.of());
            ServerSentEvent instance = client.next(WITHIN, "Every stream starts by naming its instance. " + GIVEN);
            assertEquals("instance", instance.type(), instance.toString());
            client.next(WITHIN, "then the welcome");
            clients.add(client);
        }
        for (int i = 1; i <= 6; i++) {
            JsonNode answer = post(servers.get(i % 3), "movie " + i);
            assertEquals(i, answer.get("id").asLong(), "ids are global: " + answer);
        }
        for (EventStream client : clients) {
            assertEquals(LongStream.rangeClosed(1, 6).boxed().toList(),
                    ids(MovieFeed.movies(client, 6, WITHIN, "Every client gets every movie, whichever instance took the post.")),
                    "ids 1 to 6, in order, on every instance");
        }
    }

    @Test
    @DisplayName("a client that saw id 3 on instance a and comes back to instance b is replayed 4 and 5 by b")
    void resumeOnAnyInstance() {
        startInstances(freshDatabase(), "a", "b");
        for (int i = 1; i <= 5; i++) {
            post(servers.get(0), "movie " + i);
        }
        EventStream back = join(servers.get(1), Map.of("Last-Event-ID", "3"));
        back.next(WITHIN, "the instance event");
        assertEquals(List.of(4L, 5L), ids(MovieFeed.movies(back, 2, WITHIN, "b replays from its copy of the stream.")));
        assertFalse(back.raw().contains("event: reset"), "no reset: b knows every id the cluster gave out");
    }

    @Test
    @ChecksTodo(value = 3, needs = {1, 2})
    @DisplayName("a client from an instance that is ahead waits for this one to catch up: no reset, no gap")
    void clientFromAheadWaitsForCatchUp() {
        URI database = freshDatabase();
        ScaleOutApp a = new ScaleOutApp(options("a"), new RedisBroker(database, 1000));
        // b hears every movie 700 ms late: a slow network between b and Redis, made on purpose.
        ScaleOutApp b = new ScaleOutApp(options("b"), new Late(new RedisBroker(database, 1000), Duration.ofMillis(700)));
        servers.add(TestServer.start(a.create()));
        servers.add(TestServer.start(b.create()));
        EventStream onA = join(servers.get(0), Map.of());
        onA.next(WITHIN, "instance");
        onA.next(WITHIN, "welcome");
        post(servers.get(0), "movie 1");
        post(servers.get(0), "movie 2");
        MovieFeed.movies(onA, 2, WITHIN, "a sends 1 and 2 at once");
        assertTrue(b.lastId() < 2, "b has not heard movie 2 yet (it hears 700 ms late)");

        EventStream onB = join(servers.get(1), Map.of("Last-Event-ID", "2"));
        onB.next(WITHIN, "instance");
        post(servers.get(0), "movie 3");
        ServerSentEvent next = onB.next(WITHIN, "After catching up, b sends what comes after 2. " + TODO_3);
        assertEquals("movie", next.type(), "b should wait until it has heard id 2, then go on with 3; a reset means it "
                + "took the client's id for one never given out. Got " + next + ". " + TODO_3);
        assertEquals("3", next.lastEventId(), "the next movie is 3: nothing missed, nothing twice. " + TODO_3);
    }

    @Test
    @ChecksTodo(value = 3, needs = 1)
    @DisplayName("an id the cluster never gave out gets a reset at once, without waiting")
    void unknownIdGetsResetAtOnce() {
        startInstances(freshDatabase(), "a");
        post(servers.get(0), "movie 1");
        long started = System.nanoTime();
        EventStream stream = join(servers.get(0), Map.of("Last-Event-ID", "99"));
        stream.next(WITHIN, "instance");
        ServerSentEvent reset = stream.next(WITHIN, "A reset. " + TODO_3);
        long waited = (System.nanoTime() - started) / 1_000_000;
        assertEquals("reset", reset.type(), reset.toString());
        assertTrue(waited < 1500, "id 99 was never given out (the newest is 1): no wait for it, got " + waited + " ms. " + TODO_3);
    }

    @Test
    @DisplayName("Redis stops: POST is a 503 with a message, streams stay open; Redis returns: posts go on, nothing acknowledged is lost")
    void brokerOutage(@TempDir Path own) throws IOException {
        try (RedisProcess outage = RedisProcess.start(own, RedisBrokerTest.freePort())) {
            ScaleOutApp a = new ScaleOutApp(options("a"), new RedisBroker(URI.create(outage.uri()), 1000));
            servers.add(TestServer.start(a.create()));
            EventStream client = join(servers.get(0), Map.of());
            client.next(WITHIN, "instance");
            client.next(WITHIN, "welcome");
            post(servers.get(0), "before 1");
            post(servers.get(0), "before 2");

            outage.kill(); // as a crash would: what was acknowledged is in its append-only file
            HttpResponse<String> refused = servers.get(0).post("/movies", "application/json", "{\"title\": \"during\", \"year\": 2001}");
            assertEquals(503, refused.statusCode(), "nothing can be stored: " + refused.body());
            assertTrue(refused.body().contains("nothing was published"), refused.body());
            int beats = client.comments().size();
            Await.until(() -> client.comments().size() >= beats + 2, WITHIN, () -> "the stream stays open, with heartbeats");
            assertFalse(client.ended(), "the stream is still open");

            outage.restart();
            Await.until(() -> servers.get(0).post("/movies", "application/json", "{\"title\": \"after 3\", \"year\": 2001}")
                    .statusCode() == 201, Duration.ofSeconds(10), () -> "posts succeed again once Redis is back");
            List<ServerSentEvent> movies = MovieFeed.movies(client, 3, Duration.ofSeconds(10), "1 and 2 before, 3 after");
            assertEquals(List.of(1L, 2L, 3L), ids(movies), "ids go on from where they were: the counter and the stream survived");
        }
    }

    @Test
    @DisplayName("with the in-memory broker one instance runs alone, as lesson 08 did")
    void inMemoryDefault() {
        ScaleOutApp alone = new ScaleOutApp(options("a"), new InMemoryBroker(1000));
        servers.add(TestServer.start(alone.create()));
        EventStream client = join(servers.get(0), Map.of());
        client.next(WITHIN, "instance");
        client.next(WITHIN, "welcome");
        for (int i = 1; i <= 3; i++) {
            post(servers.get(0), "movie " + i);
        }
        assertEquals(List.of(1L, 2L, 3L), ids(MovieFeed.movies(client, 3, WITHIN, "the feed")));
        EventStream back = join(servers.get(0), Map.of("Last-Event-ID", "1"));
        back.next(WITHIN, "instance");
        assertEquals(List.of(2L, 3L), ids(MovieFeed.movies(back, 2, WITHIN, "the replay")));
        for (String bad : List.of("abc", "-1", "99999999999999999999")) {
            EventStream stranger = join(servers.get(0), Map.of("Last-Event-ID", bad));
            stranger.next(WITHIN, "instance");
            assertEquals("reset", stranger.next(WITHIN, "a reset for " + bad).type());
        }
    }

    /** A broker that hands movies on late, to make an instance that is behind. */
    static final class Late implements Broker {
        private final Broker broker;
        private final Duration delay;

        Late(Broker broker, Duration delay) {
            this.broker = broker;
            this.delay = delay;
        }

        @Override
        public Stored publish(String title, int year) {
            return broker.publish(title, year);
        }

        @Override
        public void subscribe(long after, Consumer<Stored> listener) {
            broker.subscribe(after, movie -> {
                try {
                    Thread.sleep(delay.toMillis()); // the point of this broker: it is late
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                listener.accept(movie);
            });
        }

        @Override
        public Optional<List<Stored>> after(long id) {
            return broker.after(id);
        }

        @Override
        public long newestId() {
            return broker.newestId();
        }

        @Override
        public boolean healthy() {
            return broker.healthy();
        }

        @Override
        public void close() {
            broker.close();
        }
    }
}
