package sse.registry;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.Await;
import sse.check.EventStream;
import sse.check.ServerSentEvent;
import sse.check.TestServer;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static sse.check.MovieFeed.JSON;
import static sse.check.MovieFeed.assertCreated;
import static sse.check.MovieFeed.assertJson;
import static sse.check.MovieFeed.left;
import static sse.check.MovieFeed.movies;
import static sse.registry.RegistryTest.TODO_1;
import static sse.registry.RegistryTest.TODO_3;

/**
 * Load and races, not one TODO: guards that the broadcast survives clients leaving in the middle of it,
 * and that many posters and clients at once still give every client every movie once, in one order.
 */
class RegistryStressTest {

    static final Duration WITHIN = Duration.ofSeconds(3);

    private RegistryApp lesson;
    private TestServer server;
    private final List<EventStream> streams = new ArrayList<>();

    private void start(RegistryApp.Options options) {
        lesson = new RegistryApp(options);
        server = TestServer.start(lesson.create());
    }

    @AfterEach
    void stop() {
        streams.forEach(EventStream::close);
        if (server != null) {
            server.close();
        }
    }

    // Guards the loop over a set that shrinks while it runs: onClose removes a client from inside sendEvent.
    @Test
    @DisplayName("clients that leave while movies are being sent do not disturb the others")
    void leavingDuringBroadcast() throws Exception {
        start(new RegistryApp.Options(Duration.ofHours(1), 4096)); // no heartbeat: only broadcasts notice who has left
        List<EventStream> stay = new ArrayList<>();
        List<EventStream> leave = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            stay.add(join());
            leave.add(join());
        }
        awaitClients(10, TODO_1);
        CountDownLatch tenPosted = new CountDownLatch(10);
        AtomicBoolean left = new AtomicBoolean();
        AtomicReference<Throwable> closerFailed = new AtomicReference<>();
        // The leavers go while the posts go on, so their writes fail in the middle of a broadcast.
        Thread closer = new Thread(() -> {
            try {
                if (tenPosted.await(10, TimeUnit.SECONDS)) {
                    leave.forEach(EventStream::close);
                    left.set(true);
                }
            } catch (InterruptedException | RuntimeException e) {
                closerFailed.set(e);
            }
        }, "closer");
        closer.start();
        // At least 60 posts, and at least 10 after the last leaver has gone, so every one of them is
        // written to (and found gone) more than once; at most 1000.
        int posts = 0;
        int postsAfterLeaving = 0;
        HttpResponse<String> answer = null;
        while ((posts < 60 || postsAfterLeaving < 10) && posts < 1000) {
            boolean allLeft = left.get();
            posts++;
            answer = post("{\"title\":\"movie " + posts + "\",\"year\":2000}");
            assertCreated(answer, "post " + posts + ", while clients leave (a 500 here: did the loop over the"
                    + " clients break when one of them was removed?). " + TODO_3);
            tenPosted.countDown();
            postsAfterLeaving += allLeft ? 1 : 0;
        }
        closer.join(TimeUnit.SECONDS.toMillis(10));
        assertEquals(null, closerFailed.get(), "closing the leavers failed");
        assertTrue(left.get(), "the leavers should have closed their streams");
        for (int c = 0; c < stay.size(); c++) {
            List<ServerSentEvent> got = movies(stay.get(c), posts, WITHIN, "Client " + (c + 1) + " stayed but did not get all "
                    + posts + " movies while others left. " + TODO_3);
            for (int n = 1; n <= posts; n++) {
                assertEquals(String.valueOf(n), got.get(n - 1).lastEventId(), "client " + (c + 1) + ": movie " + n + " in order");
            }
        }
        awaitClients(5, "The 5 clients that left should have been removed when a broadcast's write to them failed. " + TODO_1);
        assertJson("{\"id\":" + posts + ",\"clients\":5}", answer.body(), "the last movie went to the 5 that stayed");
    }

    // Guards the order under load: numbering and sending under one lock, with 4 threads posting at once.
    @Test
    @DisplayName("50 clients and 4 posters sending 200 movies each: every client gets all 800 once, in one order")
    void manyClientsManyPosters() throws Exception {
        int clients = 50;
        int posters = 4;
        int each = 200;
        int total = posters * each;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        start(RegistryApp.Options.defaults()); // the production heartbeat: 15 s
        for (int i = 0; i < clients; i++) {
            join();
        }
        awaitClients(clients, TODO_1);

        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(posters);
        try {
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int p = 0; p < posters; p++) {
                int poster = p;
                tasks.add(() -> {
                    for (int k = 0; k < each; k++) {
                        HttpResponse<String> answer = post("{\"title\":\"poster " + poster + " movie " + k + "\",\"year\":2000}");
                        assertCreated(answer, "poster " + poster + ", movie " + k + ". " + TODO_3);
                        assertEquals(clients, JSON.readTree(answer.body()).get("clients").asInt(),
                                "every movie goes to all " + clients + " clients. " + TODO_3);
                    }
                    return null;
                });
            }
            for (Future<Void> done : pool.invokeAll(tasks, left(deadline).toMillis(), TimeUnit.MILLISECONDS)) {
                try {
                    done.get();
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof AssertionError a ? a : new AssertionError(e.getCause());
                } catch (CancellationException e) {
                    fail("the posters did not finish within 60 s. " + TODO_3);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        long posted = System.nanoTime();

        for (int c = 0; c < clients; c++) {
            List<ServerSentEvent> got = movies(streams.get(c), total, left(deadline),
                    "Client " + (c + 1) + " of " + clients + " did not get all " + total + " movies. " + TODO_3);
            long previous = 0;
            int[] nextOfPoster = new int[posters];
            for (ServerSentEvent movie : got) {
                long id = Long.parseLong(movie.lastEventId());
                assertTrue(id > previous, "client " + (c + 1) + ": ids must only go up, but " + id + " came after " + previous);
                previous = id;
                String[] title = JSON.readTree(movie.data()).get("title").textValue().split(" ");
                int poster = Integer.parseInt(title[1]);
                assertEquals(nextOfPoster[poster]++, Integer.parseInt(title[3]),
                        "client " + (c + 1) + ": poster " + poster + "'s movies in the order it posted them");
            }
            assertEquals(total, previous, "client " + (c + 1) + ": ids 1 to " + total + ", each once");
        }
        long received = System.nanoTime();
        double seconds = (received - started) / 1e9;
        System.out.printf(Locale.ROOT, "%d clients x %d movies from %d posters: %d events in %.2f s (%.0f events/s);"
                        + " posting took %.2f s (%.0f posts/s)%n", clients, total, posters, clients * total, seconds,
                clients * total / seconds, (posted - started) / 1e9, total / ((posted - started) / 1e9));
    }

    /** Opens a stream as a browser does, and keeps it to close after the test. */
    private EventStream join() {
        EventStream stream = EventStream.open(server.uri("/events"));
        streams.add(stream);
        return stream.expectEventStream("GET /events should be a stream.");
    }

    private void awaitClients(int count, String hint) {
        Await.until(() -> lesson.clients() == count, WITHIN, () -> count + " client(s) should be in the registry, but "
                + lesson.clients() + " are. " + hint);
    }

    private HttpResponse<String> post(String json) {
        return server.post("/movies", "application/json", json);
    }
}
