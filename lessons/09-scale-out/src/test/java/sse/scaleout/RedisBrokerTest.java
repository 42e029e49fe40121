package sse.scaleout;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sse.check.Await;
import sse.check.ChecksTodo;
import sse.scaleout.cluster.RedisProcess;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lesson 09: the Redis broker against a real redis-server (the one on the PATH, or the build's own). */
class RedisBrokerTest {

    static final String TODO_1 = "Look at TODO 1 in RedisBroker.java (docs/09-scale-out.md#todo-1-append-and-number-in-one-step).";
    static final String TODO_2 = "Look at TODO 2 in RedisBroker.java (docs/09-scale-out.md#todo-2-hand-each-entry-on).";
    static final Duration WITHIN = Duration.ofSeconds(5);

    @TempDir
    static Path dir;
    static RedisProcess redis;
    private static int database;

    @BeforeAll
    static void startRedis() throws IOException {
        redis = RedisProcess.start(dir, freePort());
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** A broker on a fresh stream: each test gets its own Redis database, so none sees another's movies. */
    private static RedisBroker broker(int capacity) {
        return new RedisBroker(URI.create(redis.uri() + "/" + (++database % 16)), capacity);
    }

    @Test
    @ChecksTodo(1)
    @DisplayName("a published movie gets the next id, and the stream keeps it")
    void publishNumbersAndStores() {
        try (RedisBroker broker = broker(100)) {
            for (int i = 1; i <= 3; i++) {
                Broker.Stored stored = broker.publish("movie " + i, 2000 + i);
                assertEquals(new Broker.Stored(i, "movie " + i, 2000 + i), stored, "ids 1, 2, 3 in order. " + TODO_1);
            }
            assertEquals(3, broker.newestId(), "the counter gave out 3 ids. " + TODO_1);
            assertEquals(List.of(new Broker.Stored(2, "movie 2", 2002), new Broker.Stored(3, "movie 3", 2003)),
                    broker.after(1).orElseThrow(), "the stream keeps them, with their titles and years. " + TODO_1);
        }
    }

    @Test
    @ChecksTodo(1)
    @DisplayName("two instances posting at once never get the same id, and the stream holds every movie in id order")
    void concurrentPublishersGetUniqueIds() throws Exception {
        try (RedisBroker a = broker(10_000); RedisBroker b = new RedisBroker(URI.create(redis.uri() + "/" + (database % 16)), 10_000)) {
            ExecutorService posters = Executors.newFixedThreadPool(8);
            List<Future<Broker.Stored>> posted = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                RedisBroker broker = i % 2 == 0 ? a : b;
                int n = i;
                posted.add(posters.submit(() -> broker.publish("movie " + n, 2000)));
            }
            List<Long> ids = new ArrayList<>();
            for (Future<Broker.Stored> future : posted) {
                ids.add(future.get().id());
            }
            posters.shutdown();
            assertEquals(LongStream.rangeClosed(1, 400).boxed().toList(), ids.stream().sorted().toList(),
                    "400 posts from two instances: ids 1 to 400, each once. " + TODO_1);
            assertEquals(LongStream.rangeClosed(1, 400).boxed().toList(),
                    a.after(0).orElseThrow().stream().map(Broker.Stored::id).toList(), "the stream in id order. " + TODO_1);
        }
    }

    @Test
    @ChecksTodo(value = 2, needs = 1)
    @DisplayName("a subscriber hears what was stored before it came, then each new movie, in order, once")
    void subscribersHearEverythingInOrder() {
        try (RedisBroker poster = broker(100); RedisBroker listener = new RedisBroker(URI.create(redis.uri() + "/" + (database % 16)), 100)) {
            poster.publish("before 1", 2001);
            poster.publish("before 2", 2002);
            List<Broker.Stored> heard = new CopyOnWriteArrayList<>();
            listener.subscribe(0, heard::add);
            Await.until(() -> heard.size() == 2, WITHIN, () -> "the two stored movies should be heard, got " + heard + ". " + TODO_2);
            for (int i = 3; i <= 6; i++) {
                poster.publish("live " + i, 2000 + i);
            }
            Await.until(() -> heard.size() == 6, WITHIN, () -> "then the four new ones, got " + heard + ". " + TODO_2);
            assertEquals(LongStream.rangeClosed(1, 6).boxed().toList(), heard.stream().map(Broker.Stored::id).toList(),
                    "ids 1 to 6, in order, once. " + TODO_2);
            assertEquals(new Broker.Stored(4, "live 4", 2004), heard.get(3), "title and year as stored. " + TODO_2);
        }
    }

    @Test
    @ChecksTodo(value = 2, needs = 1)
    @DisplayName("a subscriber that starts after id 3 hears only what follows")
    void subscribeAfterAnId() {
        try (RedisBroker broker = broker(100)) {
            for (int i = 1; i <= 5; i++) {
                broker.publish("movie " + i, 2000 + i);
            }
            List<Broker.Stored> heard = new CopyOnWriteArrayList<>();
            broker.subscribe(3, heard::add);
            Await.until(() -> heard.size() == 2, WITHIN, () -> "movies 4 and 5, got " + heard + ". " + TODO_2);
            assertEquals(List.of(4L, 5L), heard.stream().map(Broker.Stored::id).toList(), TODO_2);
        }
    }

    @Test
    @DisplayName("the stream is capped: an id older than what it keeps gets nothing, so the client gets a reset")
    void cappedStreamForgetsOldIds() {
        try (RedisBroker broker = broker(10)) {
            for (int i = 1; i <= 500; i++) {
                broker.publish("movie " + i, 2000);
            }
            assertTrue(broker.after(1).isEmpty(), "movies 2 onwards are no longer all kept: a reset");
            List<Broker.Stored> recent = broker.after(495).orElseThrow();
            assertEquals(List.of(496L, 497L, 498L, 499L, 500L), recent.stream().map(Broker.Stored::id).toList());
        }
    }

    @Test
    @DisplayName("the redis-server packed in the build runs here too: a machine with only a JDK can run the lesson")
    void packedBinaryRuns(@TempDir Path other) throws IOException {
        Path packed = RedisProcess.packedBinary(other);
        try (RedisProcess own = RedisProcess.start(other, freePort(), packed);
             RedisBroker broker = new RedisBroker(URI.create(own.uri()), 10)) {
            assertEquals(1, broker.publish("The Matrix", 1999).id());
            assertTrue(broker.healthy());
        }
    }
}
