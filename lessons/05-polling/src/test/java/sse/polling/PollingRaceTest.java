package sse.polling;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.EventStream;
import sse.check.ServerSentEvent;
import sse.check.TestServer;

import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static sse.check.MovieFeed.JSON;
import static sse.check.MovieFeed.answer;
import static sse.check.MovieFeed.assertCreated;
import static sse.check.MovieFeed.left;
import static sse.check.MovieFeed.movies;
import static sse.polling.PollingTest.LESSON_04;
import static sse.polling.PollingTest.TODO_1;
import static sse.polling.PollingTest.TODO_2;
import static sse.polling.PollingTest.TODO_3;
import static sse.polling.PollingTest.ids;
import static sse.polling.PollingTest.longPoll;
import static sse.polling.PollingTest.moviesOf;
import static sse.polling.PollingTest.options;
import static sse.polling.PollingTest.poll;

/**
 * Races, not one TODO: posters and pollers at the same moment. Guards that no transport misses,
 * repeats or reorders a movie, and that a long poll parked just as a movie is published still gets it.
 */
class PollingRaceTest {

    private TestServer server;
    private final List<EventStream> streams = new ArrayList<>();

    private void start(Duration longPollTimeout) {
        server = TestServer.start(new PollingApp(options(1000, longPollTimeout, Clock.systemUTC())).create());
    }

    @AfterEach
    void stop() {
        streams.forEach(EventStream::close);
        if (server != null) {
            server.close();
        }
    }

    // Guards one feed for three transports: three posters at once, and each way of following sees the same movies.
    @Test
    @DisplayName("SSE, short polling and long polling deliver the same 30 movies, in the same order, none missing")
    void threeTransportsOneFeed() throws Exception {
        start(Duration.ofSeconds(30));
        EventStream stream = EventStream.open(server.uri("/events"));
        streams.add(stream);
        stream.expectEventStream("GET /events should be a stream. " + LESSON_04);
        stream.next(Duration.ofSeconds(3), "A new stream client is welcomed first. " + LESSON_04);
        int total = 30;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            // The two pollers follow the feed while three posters post 10 movies each, all at once.
            Future<List<JsonNode>> shortPolled = pool.submit(() -> follow("/movies", total, deadline,
                    Duration.ofMillis(20), "The short-poll loop. " + TODO_1));
            Future<List<JsonNode>> longPolled = pool.submit(() -> follow("/movies/wait", total, deadline,
                    Duration.ZERO, "The long-poll loop. " + TODO_2 + " " + TODO_3));
            List<Future<Void>> posters = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                int poster = p;
                posters.add(pool.submit(() -> {
                    for (int k = 0; k < 10; k++) {
                        String title = k == 5 ? "Amélie 🎬 <b>" + poster + "</b>" : "poster " + poster + " movie " + k;
                        assertCreated(post(JSON.createObjectNode().put("title", title).put("year", 1990 + k).toString()), LESSON_04);
                    }
                    return null;
                }));
            }
            for (Future<Void> poster : posters) {
                result(poster, deadline, "posting");
            }
            List<JsonNode> sse = new ArrayList<>();
            for (ServerSentEvent event : movies(stream, total, left(deadline), "The stream client should get all " + total
                    + " movies. " + LESSON_04)) {
                JsonNode movie = JSON.readTree(event.data());
                assertEquals(String.valueOf(movie.get("id").asLong()), event.lastEventId(), "the event's id is the movie's id");
                sse.add(movie);
            }
            assertEquals(LongStream.rangeClosed(1, total).boxed().toList(), ids(sse), "the stream delivers ids 1 to " + total
                    + " in order. " + LESSON_04);
            List<JsonNode> shortPolls = result(shortPolled, deadline, "the short-poll loop. " + TODO_1);
            assertEquals(sse, shortPolls, "short polling should deliver exactly the movies the stream delivers (id, title, "
                    + "year and postedAt), in the same order, each once. " + TODO_1);
            List<JsonNode> longPolls = result(longPolled, deadline, "the long-poll loop. " + TODO_2 + " " + TODO_3);
            assertEquals(sse, longPolls, "long polling should deliver exactly the movies the stream delivers, in the same "
                    + "order, each once. " + TODO_2 + " " + TODO_3);
        } finally {
            pool.shutdownNow();
        }
    }

    // Guards the check-then-park of a long poll: done under the lock a publish holds, no movie falls in between.
    @Test
    @DisplayName("a long poll sent just as a movie is published never misses it: 4 pollers see all 300 movies once, in order")
    void noMovieIsMissedInTheRace() throws Exception {
        start(Duration.ofSeconds(10));
        int pollers = 4;
        int total = 300;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String race = "Either a publish did not wake the waiting polls (TODO 3), or a poll checked just before a publish "
                + "and parked just after it, and missed it: check and park must hold the feed lock that publish holds "
                + "(TODO 2). " + TODO_3 + " " + TODO_2;
        AtomicLongArray seen = new AtomicLongArray(pollers);
        Thread poster = Thread.currentThread();
        ExecutorService pool = Executors.newFixedThreadPool(pollers);
        try {
            List<Future<List<Long>>> results = new ArrayList<>();
            for (int p = 0; p < pollers; p++) {
                int poller = p;
                results.add(pool.submit(() -> {
                    List<Long> ids = new ArrayList<>();
                    while (ids.size() < total && System.nanoTime() < deadline) {
                        long after = ids.isEmpty() ? 0 : ids.get(ids.size() - 1);
                        HttpResponse<String> answer = answer(longPoll(server, after), left(deadline), "Poller " + poller + ". " + race);
                        ids.addAll(ids(moviesOf(answer, "poller " + poller, TODO_2)));
                        seen.set(poller, ids.isEmpty() ? 0 : ids.get(ids.size() - 1));
                        LockSupport.unpark(poster);
                    }
                    return ids;
                }));
            }
            // Each movie is posted the moment every poller has the one before: their next polls and the
            // post race each other, every time.
            for (int k = 1; k <= total; k++) {
                long movieDeadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                for (int p = 0; p < pollers; p++) {
                    while (seen.get(p) < k - 1) {
                        for (Future<List<Long>> result : results) {
                            if (result.isDone()) {
                                result(result, deadline, "a poller"); // it failed: say why
                            }
                        }
                        if (System.nanoTime() > movieDeadline) {
                            fail("Poller " + p + " still waits for movie " + (k - 1) + " 2 s after it was posted (it has up to "
                                    + seen.get(p) + "). " + race);
                        }
                        LockSupport.parkNanos(1_000_000);
                    }
                }
                assertCreated(post("{\"title\":\"race " + k + "\",\"year\":2000}"), LESSON_04);
            }
            List<Long> expected = LongStream.rangeClosed(1, total).boxed().toList();
            for (int p = 0; p < pollers; p++) {
                assertEquals(expected, result(results.get(p), deadline, "poller " + p),
                        "poller " + p + " should see ids 1 to " + total + ", each once, in order. " + race);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private HttpResponse<String> post(String json) {
        return server.post("/movies", "application/json", json);
    }

    /**
     * Follows the feed by polling {@code path}: asks for what is newer than the last id it has, and
     * again after {@code pause}, until it has {@code count} movies.
     */
    private List<JsonNode> follow(String path, int count, long deadline, Duration pause, String hint) throws InterruptedException {
        List<JsonNode> movies = new ArrayList<>();
        while (movies.size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Polling " + path + " got " + movies.size() + " of " + count + " movies in time: "
                        + ids(movies) + ". " + hint);
            }
            long after = movies.isEmpty() ? 0 : movies.get(movies.size() - 1).path("id").asLong();
            String asked = path + "?after=" + after;
            movies.addAll(moviesOf(answer(poll(server, asked), left(deadline), "Polling " + asked + " got no answer in time (it had "
                    + movies.size() + " of " + count + " movies). " + hint), asked, hint));
            Thread.sleep(pause.toMillis());
        }
        return movies;
    }

    /** What a task returned, or the assertion it failed with; it has a second more than {@code deadline} to say so itself. */
    private static <T> T result(Future<T> future, long deadline, String what) throws InterruptedException {
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()) + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof AssertionError a ? a : new AssertionError(what + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("Not finished in time: " + what);
        }
    }
}
