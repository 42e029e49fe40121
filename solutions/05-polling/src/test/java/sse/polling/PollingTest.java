package sse.polling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import sse.check.Await;
import sse.check.EventStream;
import sse.check.PageCheck;
import sse.check.ServerSentEvent;
import sse.check.SteppingClock;
import sse.check.TestServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Lesson 05: short polling, long polling and SSE side by side, over real HTTP. Run: ./mvnw -q -pl lessons/05-polling test -Pcheck */
class PollingTest {

    static final String TODO_1 = "Look at TODO 1 in PollingApp.java and AfterId.java (docs/05-polling.md#todo-1-the-short-poll).";
    static final String TODO_2 = "Look at TODO 2 in PollingApp.java (docs/05-polling.md#todo-2-wait-without-a-thread).";
    static final String TODO_3 = "Look at TODO 3 in LongPolls.java (docs/05-polling.md#todo-3-wake-the-waiting-long-polls).";
    static final String LESSON_04 = "This is lesson 04's code, already done: was it changed?";

    static final Duration HEARTBEAT = Duration.ofMillis(50);
    /** Long enough that a long poll answered in a test was answered by a publish, not by its timeout. */
    static final Duration LONG_TIMEOUT = Duration.ofSeconds(30);
    static final Duration WITHIN = Duration.ofSeconds(3);
    /** "At once": an answer that does not wait for anything comes well within this. */
    static final Duration AT_ONCE = Duration.ofSeconds(1);
    static final int MAX_BODY = 4096;
    static final Instant START = Instant.parse("2026-11-21T06:00:00Z");
    static final String MATRIX = "{\"title\":\"The Matrix\",\"year\":1999}";

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private PollingApp lesson;
    private Javalin app;
    private TestServer server;
    private final List<EventStream> streams = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();

    private static PollingApp.Options options(int historySize, Duration longPollTimeout, Clock clock) {
        return new PollingApp.Options(HEARTBEAT, MAX_BODY, historySize, longPollTimeout, clock);
    }

    private TestServer start(int historySize, Duration longPollTimeout) {
        return start(options(historySize, longPollTimeout, Clock.systemUTC()));
    }

    private TestServer start(PollingApp.Options options) {
        lesson = new PollingApp(options);
        app = lesson.create();
        server = TestServer.start(app);
        return server;
    }

    @AfterEach
    void stop() {
        streams.forEach(EventStream::close);
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closed already
            }
        }
        if (server != null) {
            server.close();
        }
    }

    // ---------------------------------------------------------------------------------------
    // Three transports, one feed
    // ---------------------------------------------------------------------------------------

    @Test
    @DisplayName("SSE, short polling and long polling deliver the same 30 movies, in the same order, none missing")
    void threeTransportsOneFeed() throws Exception {
        start(1000, LONG_TIMEOUT);
        EventStream stream = join();
        stream.next(WITHIN, "A new stream client is welcomed first. " + LESSON_04);
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

    // ---------------------------------------------------------------------------------------
    // Short polling
    // ---------------------------------------------------------------------------------------

    @Test
    @DisplayName("a short poll answers at once with only the movies newer than the id it sent")
    void shortPollAnswersWhatIsNewer() throws IOException {
        start(options(1000, LONG_TIMEOUT, new SteppingClock(START, Duration.ofSeconds(1))));
        for (int i = 1; i <= 5; i++) {
            assertCreated(post("{\"title\":\"movie " + i + "\",\"year\":200" + i + "}"), LESSON_04);
        }
        HttpResponse<String> answer = timedGet("/movies?after=3", AT_ONCE, "A short poll never waits. " + TODO_1);
        assertEquals(200, answer.statusCode(), "GET /movies?after=3 should answer 200. " + TODO_1 + "\n  answer: " + answer.body());
        assertTrue(answer.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                "the answer is JSON. " + TODO_1);
        assertEquals("[" + movieJson(4, "movie 4", 2004) + "," + movieJson(5, "movie 5", 2005) + "]", answer.body(),
                "after=3 asks for what came after movie 3: movies 4 and 5, oldest first, each with id, title, year "
                        + "and postedAt. " + TODO_1);
        assertEquals(List.of(), ids(moviesOf(timedGet("/movies?after=5", AT_ONCE, TODO_1), "after=5", TODO_1)),
                "after=5: nothing is newer than the newest, so the answer is []. " + TODO_1);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), ids(moviesOf(timedGet("/movies?after=0", AT_ONCE, TODO_1), "after=0", TODO_1)),
                "after=0: every movie kept. " + TODO_1);
        assertEquals(List.of(), ids(moviesOf(timedGet("/movies?after=100", AT_ONCE, TODO_1), "after=100", TODO_1)),
                "after=100: nothing has an id above 100. " + TODO_1);
    }

    @Test
    @DisplayName("after=0, after=007 and the largest long, 9223372036854775807, are good ids")
    void edgeIdsAreAccepted() throws IOException {
        start(1000, LONG_TIMEOUT);
        assertCreated(post(MATRIX), LESSON_04);
        assertEquals(List.of(1L), ids(moviesOf(server.get("/movies?after=0"), "after=0", TODO_1)), "after=0. " + TODO_1);
        assertEquals(List.of(), ids(moviesOf(server.get("/movies?after=007"), "after=007", TODO_1)),
                "after=007 is 7: digits are digits. " + TODO_1);
        assertEquals(List.of(), ids(moviesOf(server.get("/movies?after=" + Long.MAX_VALUE), "the largest long", TODO_1)),
                "after=" + Long.MAX_VALUE + " fits a long. " + TODO_1);
        assertEquals(List.of(1L), ids(moviesOf(server.get("/movies/wait?after=0"), "a long poll, after=0", TODO_2)),
                "a long poll with after=0 answers at once with what is kept. " + TODO_2);
    }

    /** An {@code after} that must be refused: the query string, and a word the message must contain. */
    record BadAfter(String name, String query, String mentions) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> badAfter() {
        List<BadAfter> bad = List.of(
                new BadAfter("no after", "", "missing"),
                new BadAfter("after=", "?after=", "empty"),
                new BadAfter("after without =", "?after", "empty"),
                new BadAfter("after=-1", "?after=-1", "0 or more"),
                new BadAfter("after=abc", "?after=abc", "number"),
                new BadAfter("after=1.5", "?after=1.5", "whole"),
                new BadAfter("after=2.0", "?after=2.0", "whole"),
                new BadAfter("after=1e3", "?after=1e3", "whole"),
                new BadAfter("after=99999999999999999999", "?after=99999999999999999999", "too large"),
                new BadAfter("after=+5", "?after=%2B5", "digits"),
                new BadAfter("after=\" 5\"", "?after=%205", "digits"),
                new BadAfter("after=0x10", "?after=0x10", "digits"),
                new BadAfter("after=٣ (an Arabic-Indic three)", "?after=%D9%A3", "digits"),
                new BadAfter("after twice", "?after=1&after=2", "once"));
        return Stream.of("/movies", "/movies/wait").flatMap(path -> bad.stream().map(b -> Arguments.of(path, b)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("badAfter")
    @DisplayName("a bad after gets a 400 with a JSON message that says what is wrong, on both poll endpoints")
    void badAfterIsRefused(String path, BadAfter bad) throws IOException {
        start(1000, LONG_TIMEOUT);
        HttpResponse<String> answer = timedGet(path + bad.query(), AT_ONCE, "A bad after is refused at once. " + TODO_1);
        assertEquals(400, answer.statusCode(), "GET " + path + bad.query() + " (" + bad.name() + ") should be refused with 400. "
                + TODO_1 + "\n  answer: " + answer.body());
        assertTrue(answer.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                "the refusal is JSON, got " + answer.headers().firstValue("Content-Type").orElse("no Content-Type") + ". " + TODO_1);
        JsonNode error = JSON.readTree(answer.body()).get("error");
        assertTrue(error != null && error.isTextual(), "the answer should be {\"error\": \"what was wrong\"}, got "
                + answer.body() + ". " + TODO_1);
        String message = error.textValue().toLowerCase(Locale.ROOT);
        assertTrue(message.contains("after") && message.contains(bad.mentions()), "the message should name after and say what "
                + "was wrong (mention \"" + bad.mentions() + "\"), got \"" + error.textValue() + "\". " + TODO_1);
        assertEquals(0, stats().path("waitingLongPolls").asInt(-1), "a refused poll does not wait");
    }

    // ---------------------------------------------------------------------------------------
    // Long polling
    // ---------------------------------------------------------------------------------------

    @Test
    @DisplayName("a long poll answers at once, like a short poll, when movies newer than its id are kept")
    void longPollAnswersAtOnceWhenSomethingIsNewer() throws IOException {
        start(1000, LONG_TIMEOUT);
        for (int i = 0; i < 3; i++) {
            assertCreated(post(MATRIX), LESSON_04);
        }
        HttpResponse<String> answer = timedGet("/movies/wait?after=1", AT_ONCE, "Movies 2 and 3 are newer than 1: no need to "
                + "wait (the long poll's timeout here is 30 s). " + TODO_2);
        assertEquals(List.of(2L, 3L), ids(moviesOf(answer, "/movies/wait?after=1", TODO_2)),
                "after=1 with movies 1 to 3 kept: movies 2 and 3, at once. " + TODO_2);
    }

    @Test
    @DisplayName("a waiting long poll answers within 2 s of a post, with that movie, though its timeout is 30 s")
    void waitingLongPollAnswersOnPost() throws Exception {
        start(1000, LONG_TIMEOUT);
        String hint = "A long poll with nothing newer waits (TODO 2) until a publish wakes it (TODO 3). " + TODO_2 + " " + TODO_3;
        CompletableFuture<HttpResponse<String>> poll = longPoll(0);
        awaitWaiting(1, poll, hint);
        long before = System.currentTimeMillis();
        assertCreated(post("{\"title\":\"Heat\",\"year\":1995}"), LESSON_04);
        long after = System.currentTimeMillis();
        HttpResponse<String> answer = answer(poll, Duration.ofSeconds(2), "No answer within 2 s of the post: was the waiting "
                + "poll woken? " + hint);
        List<JsonNode> movies = moviesOf(answer, "the waiting long poll", hint);
        assertEquals(List.of(1L), ids(movies), "the waiting poll is answered with the movie just posted. " + hint);
        JsonNode movie = movies.get(0);
        assertEquals("Heat", movie.path("title").asText(), "the title");
        assertEquals(1995, movie.path("year").asInt(), "the year");
        long postedAt = movie.path("postedAt").asLong();
        assertTrue(postedAt >= before && postedAt <= after, "postedAt is the server's time of the post in epoch "
                + "milliseconds, between " + before + " and " + after + ", got " + movie.get("postedAt"));
        Await.until(() -> stats().path("waitingLongPolls").asInt() == 0, WITHIN,
                () -> "an answered poll no longer waits, but /stats says " + stats() + ". " + TODO_3);
    }

    @Test
    @DisplayName("a long poll with nothing new answers [] at its timeout (300 ms here), not much earlier or later")
    void longPollTimesOut() throws Exception {
        Duration timeout = Duration.ofMillis(300);
        start(1000, timeout);
        long started = System.nanoTime();
        CompletableFuture<HttpResponse<String>> poll = longPoll(0);
        HttpResponse<String> answer = answer(poll, timeout.plus(WITHIN), "A long poll ends at its timeout at the latest. " + TODO_2);
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(200, answer.statusCode(), "a long poll that timed out answers 200 with []. " + TODO_2
                + "\n  answer: " + answer.body());
        assertEquals("[]", answer.body(), "nothing was posted: the answer at the timeout is []. " + TODO_2);
        assertTrue(tookMillis >= timeout.toMillis() - 10, "the poll should wait for its timeout, " + timeout.toMillis()
                + " ms, but answered after " + tookMillis + " ms. " + TODO_2);
        assertTrue(tookMillis < timeout.toMillis() + 1500, "the poll should answer soon after its timeout, "
                + timeout.toMillis() + " ms, but took " + tookMillis + " ms. " + TODO_2);
        Await.until(() -> stats().path("waitingLongPolls").asInt() == 0, WITHIN,
                () -> "a poll that timed out no longer waits, but /stats says " + stats());
    }

    @Test
    @DisplayName("while 50 long polls wait, no server thread is held: other requests answer at once, and one post answers all 50")
    void waitingPollsHoldNoThread() throws Exception {
        start(1000, LONG_TIMEOUT);
        server.get("/stats"); // the pool has warmed up
        int busyBefore = busyThreads();
        String hint = "A waiting long poll is a future handed to ctx.future(...), not a thread that waits. " + TODO_2;
        List<CompletableFuture<HttpResponse<String>>> polls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            polls.add(longPoll(0));
        }
        awaitWaiting(50, polls.get(0), hint);
        assertEquals(50, stats().path("waitingLongPolls").asInt(), "/stats counts the waiting polls");
        assertEquals(0, polls.stream().filter(CompletableFuture::isDone).count(), "nothing was posted: every poll still waits. " + hint);
        int busy = busyThreads();
        assertTrue(busy < busyBefore + 10, "with 50 long polls waiting, " + busy + " of Jetty's threads are busy ("
                + busyBefore + " before): each waiting poll holds one. Do not wait with future.get() or join(). " + hint);
        HttpResponse<String> clients = timedGet("/clients", AT_ONCE, "GET /clients waited while long polls waited. " + hint);
        assertEquals("{\"clients\":0}", clients.body(), "GET /clients still answers");
        HttpResponse<String> page = timedGet("/", AT_ONCE, "The page waited while long polls waited. " + hint);
        assertEquals(200, page.statusCode(), "the page still answers");

        String wake = "One post should answer every waiting poll. " + TODO_3;
        assertCreated(post(MATRIX), LESSON_04);
        long deadline = System.nanoTime() + WITHIN.toNanos();
        for (int i = 0; i < polls.size(); i++) {
            HttpResponse<String> answer = answer(polls.get(i), left(deadline), "Poll " + (i + 1) + " of 50 got no answer. " + wake);
            assertEquals(List.of(1L), ids(moviesOf(answer, "poll " + (i + 1) + " of 50", wake)), "each poll gets movie 1. " + wake);
        }
        Await.until(() -> stats().path("waitingLongPolls").asInt() == 0, WITHIN,
                () -> "every poll was answered, so none waits, but /stats says " + stats() + ". " + TODO_3);
    }

    @Test
    @DisplayName("a long poll sent just as a movie is published never misses it: 4 pollers see all 300 movies once, in order")
    void noMovieIsMissedInTheRace() throws Exception {
        start(1000, Duration.ofSeconds(10));
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
                        HttpResponse<String> answer = answer(longPoll(after), left(deadline), "Poller " + poller + ". " + race);
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

    @Test
    @DisplayName("long polls whose clients have gone end at their timeout at the latest: they do not pile up")
    void goneClientsDoNotPileUp() throws Exception {
        Duration timeout = Duration.ofMillis(500);
        start(1000, timeout);
        int port = server.uri("/").getPort();
        for (int i = 0; i < 20; i++) {
            Socket socket = new Socket("127.0.0.1", port);
            sockets.add(socket);
            socket.getOutputStream().write(("GET /movies/wait?after=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
        }
        Await.until(() -> stats().path("waitingLongPolls").asInt() == 20, WITHIN,
                () -> "20 long polls were sent, so /stats should say 20 waiting, but says " + stats() + ". " + TODO_2);
        for (Socket socket : sockets) {
            socket.close(); // the clients go, without a word
        }
        Await.until(() -> stats().path("waitingLongPolls").asInt() == 0, timeout.plus(WITHIN),
                () -> "the clients left, and after the timeout (" + timeout.toMillis() + " ms) no poll should wait, but /stats says "
                        + stats() + ". " + TODO_2);
    }

    @Test
    @DisplayName("stopping the server answers the waiting long polls and stops its timers")
    void stopEndsEverything() throws Exception {
        start(1000, LONG_TIMEOUT);
        List<CompletableFuture<HttpResponse<String>>> polls = List.of(longPoll(0), longPoll(0), longPoll(0));
        awaitWaiting(3, polls.get(0), TODO_2);
        server.close();
        for (CompletableFuture<HttpResponse<String>> poll : polls) {
            try {
                HttpResponse<String> answer = poll.get(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
                assertEquals("[]", answer.body(), "a poll answered as the server stops gets []");
            } catch (ExecutionException closed) {
                // the connection closed before the answer: the poll has ended too
            } catch (TimeoutException e) {
                fail("a waiting long poll should end when the server stops, within " + WITHIN.toMillis() + " ms");
            }
        }
        Await.until(lesson::timersStopped, WITHIN, () -> "the heartbeat and the long-poll timer should stop with the server");
    }

    // ---------------------------------------------------------------------------------------
    // The history
    // ---------------------------------------------------------------------------------------

    @Test
    @DisplayName("the history keeps only the newest movies (5 here): older ones drop out of every poll")
    void historyIsBounded() throws IOException {
        start(5, LONG_TIMEOUT);
        for (int i = 1; i <= 12; i++) {
            assertCreated(post("{\"title\":\"movie " + i + "\",\"year\":2000}"), LESSON_04);
        }
        assertEquals(List.of(8L, 9L, 10L, 11L, 12L), ids(moviesOf(server.get("/movies?after=0"), "after=0", TODO_1)),
                "12 posted, 5 kept: after=0 returns the newest 5, oldest first. " + TODO_1);
        assertEquals(List.of(8L, 9L, 10L, 11L, 12L), ids(moviesOf(server.get("/movies?after=3"), "after=3", TODO_1)),
                "movies 4 to 7 are gone: after=3 gets what is kept. " + TODO_1);
        assertEquals(List.of(11L, 12L), ids(moviesOf(server.get("/movies?after=10"), "after=10", TODO_1)), "after=10. " + TODO_1);
        HttpResponse<String> wait = timedGet("/movies/wait?after=0", AT_ONCE, "Kept movies are newer: no need to wait. " + TODO_2);
        assertEquals(List.of(8L, 9L, 10L, 11L, 12L), ids(moviesOf(wait, "/movies/wait?after=0", TODO_2)),
                "a long poll sees the same history. " + TODO_2);
        JsonNode stats = stats();
        assertEquals(12, stats.path("lastId").asLong(), "/stats: lastId " + stats);
        assertEquals(5, stats.path("keptMovies").asInt(), "/stats: keptMovies " + stats);
    }

    // ---------------------------------------------------------------------------------------
    // What lesson 04 built still works
    // ---------------------------------------------------------------------------------------

    @Test
    @DisplayName("lesson 04's stream still works: a welcome with the count, and each post reaches every client as one movie event")
    void streamStillWorks() throws IOException {
        start(options(1000, LONG_TIMEOUT, new SteppingClock(START, Duration.ofSeconds(1))));
        EventStream first = join();
        assertEquals(new ServerSentEvent("welcome", "{\"clients\":1}", ""), first.next(WITHIN, LESSON_04), "the welcome");
        EventStream second = join();
        assertEquals(new ServerSentEvent("welcome", "{\"clients\":2}", ""), second.next(WITHIN, LESSON_04), "the welcome");
        HttpResponse<String> answer = post(MATRIX);
        assertCreated(answer, LESSON_04);
        assertEquals("{\"id\":1,\"clients\":2}", answer.body(), "the answer to a post: its id and how many stream clients got it");
        String data = movieJson(1, "The Matrix", 1999);
        for (EventStream stream : List.of(first, second)) {
            assertEquals(new ServerSentEvent("movie", data, "1"), movies(stream, 1, WITHIN, LESSON_04).get(0),
                    "a movie event with the id, title, year and postedAt (the time of the post)");
            assertTrue(stream.raw().contains("id: 1\nevent: movie\ndata: " + data + "\n\n"), "one event, got " + stream.describe());
        }
        assertEquals(2, stats().path("clients").asInt(), "/stats counts the stream clients");
    }

    @Test
    @DisplayName("lesson 04's checks still hold: bad posts get a 4xx with a JSON message and use up no id")
    void badPostsAreStillRefused() throws IOException {
        start(1000, LONG_TIMEOUT);
        EventStream stream = join();
        List<String[]> bad = List.of(
                new String[] {null, MATRIX, "415"},
                new String[] {"text/plain", MATRIX, "415"},
                new String[] {"application/json", "", "400"},
                new String[] {"application/json", "{\"title\":\"The Matrix\",\"year\":\"1999\"}", "400"},
                new String[] {"application/json", "{\"title\":\"  \",\"year\":1999}", "400"},
                new String[] {"application/json", "{\"title\":\"" + "x".repeat(MAX_BODY) + "\",\"year\":1999}", "413"});
        for (String[] b : bad) {
            HttpResponse<String> answer = post(b[0], b[1]);
            assertEquals(Integer.parseInt(b[2]), answer.statusCode(), "Content-Type " + b[0] + ", body "
                    + b[1].substring(0, Math.min(60, b[1].length())) + " is refused. " + LESSON_04 + "\n  answer: " + answer.body());
            assertTrue(JSON.readTree(answer.body()).path("error").isTextual(), "the refusal says why in JSON: " + answer.body());
        }
        assertCreated(post(MATRIX), LESSON_04);
        assertEquals("1", movies(stream, 1, WITHIN, LESSON_04).get(0).lastEventId(),
                "the first movie a client gets is the good one, id 1: refused posts use no id");
        assertEquals(List.of(1L), ids(moviesOf(server.get("/movies?after=0"), "after=0", TODO_1)),
                "refused posts are not kept either. " + TODO_1);
    }

    // ---------------------------------------------------------------------------------------
    // The page
    // ---------------------------------------------------------------------------------------

    @Test
    @DisplayName("the page follows the feed three ways: an EventSource for movie events, and both polls, writing only text")
    void page() {
        PageCheck page = PageCheck.of(PollingApp.LESSON);
        page.assertOpensEventSource("/events");
        page.assertListensFor("movie");
        List<String> ids = new ArrayList<>(List.of("movie-form", "title", "year", "form-result", "poll-every",
                "client-count", "waiting-count"));
        for (String column : List.of("sse", "short", "long")) {
            for (String part : List.of("state", "requests", "bytes", "count", "delay-last", "delay-median", "movies")) {
                ids.add(column + "-" + part);
            }
        }
        page.assertElementsExist(ids.toArray(String[]::new));
        page.assertWritesTextOnly();
        String script = page.script();
        assertTrue(script.contains("fetch(\"/movies?after=\""), "the short poll fetches /movies?after=<last id>");
        assertTrue(script.contains("fetch(\"/movies/wait?after=\""), "the long poll fetches /movies/wait?after=<last id>");
        assertTrue(script.contains("postedAt"), "the page shows the delay from postedAt");
        assertTrue(script.contains("TextEncoder"), "the page counts payload bytes as UTF-8");
        assertTrue(script.matches("(?s).*fetch\\(\\s*[\"'`]/movies[\"'`]\\s*,.*"), "the form posts with fetch(\"/movies\", ...)");
    }

    @Test
    @DisplayName("the server serves the page at /")
    void servesThePage() {
        HttpResponse<String> page = start(1000, LONG_TIMEOUT).get("/");
        assertEquals(200, page.statusCode(), "GET / should answer with the page");
        assertTrue(page.body().contains("new EventSource(\"/events\")") && page.body().contains("/movies/wait"),
                "it is this lesson's page");
    }

    // ---------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------

    /** Opens a stream as a browser does, and keeps it to close after the test. */
    private EventStream join() {
        EventStream stream = EventStream.open(server.uri("/events"));
        streams.add(stream);
        return stream.expectEventStream("GET /events should be a stream. " + LESSON_04);
    }

    /** GET /stats as JSON. */
    private JsonNode stats() {
        HttpResponse<String> answer = server.get("/stats");
        assertEquals(200, answer.statusCode(), "GET /stats: " + answer.body());
        try {
            return JSON.readTree(answer.body());
        } catch (IOException e) {
            throw new UncheckedIOException("GET /stats did not answer JSON: " + answer.body(), e);
        }
    }

    /** Waits until /stats counts {@code count} waiting long polls; fails at once if {@code poll} was answered instead. */
    private void awaitWaiting(int count, CompletableFuture<HttpResponse<String>> poll, String hint) {
        Await.until(() -> {
            if (poll.isDone()) {
                HttpResponse<String> answer = poll.join();
                throw new AssertionError("A long poll with nothing newer should wait, but it was answered at once: "
                        + answer.statusCode() + " " + answer.body() + "\n  " + hint);
            }
            return stats().path("waitingLongPolls").asInt() == count;
        }, WITHIN, () -> count + " long poll(s) should be waiting, but /stats says " + stats() + ". " + hint);
    }

    /** The number of Jetty's threads doing something now (-1 if the pool is not Jetty's usual one). */
    private int busyThreads() {
        ThreadPool pool = app.jettyServer().threadPool();
        return pool instanceof QueuedThreadPool queued ? queued.getBusyThreads() : -1;
    }

    /** GET {@code path}, failing unless it is answered within {@code within}. */
    private HttpResponse<String> timedGet(String path, Duration within, String hint) {
        HttpRequest request = HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(10)).build();
        return answer(HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)), within,
                "GET " + path + " was not answered within " + within.toMillis() + " ms. " + hint);
    }

    /** Sends a long poll; the answer comes when the server gives it. */
    private CompletableFuture<HttpResponse<String>> longPoll(long after) {
        HttpRequest request = HttpRequest.newBuilder(server.uri("/movies/wait?after=" + after))
                .timeout(Duration.ofSeconds(40)).build();
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> answer(CompletableFuture<HttpResponse<String>> pending, Duration within, String hint) {
        try {
            return pending.get(within.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(hint + " (waited " + within.toMillis() + " ms)");
        } catch (ExecutionException e) {
            throw new AssertionError("The request failed: " + e.getCause() + ". " + hint, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The movies of a poll's answer: it must be a 200 with a JSON array. */
    private static List<JsonNode> moviesOf(HttpResponse<String> answer, String what, String hint) {
        assertEquals(200, answer.statusCode(), what + " should answer 200 with a JSON array of movies. " + hint
                + "\n  answer: " + answer.body());
        JsonNode array;
        try {
            array = JSON.readTree(answer.body());
        } catch (IOException e) {
            throw new AssertionError(what + " should answer a JSON array, got: " + answer.body() + ". " + hint, e);
        }
        assertTrue(array.isArray(), what + " should answer a JSON array, got: " + answer.body() + ". " + hint);
        List<JsonNode> movies = new ArrayList<>();
        array.forEach(movies::add);
        return movies;
    }

    private static List<Long> ids(List<JsonNode> movies) {
        return movies.stream().map(movie -> movie.path("id").asLong()).toList();
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
            HttpRequest request = HttpRequest.newBuilder(server.uri(path + "?after=" + after)).timeout(Duration.ofSeconds(40)).build();
            movies.addAll(moviesOf(answer(HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)),
                    left(deadline), "Polling " + path + "?after=" + after + " got no answer in time (it had " + movies.size()
                            + " of " + count + " movies). " + hint), path + "?after=" + after, hint));
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

    /** The next {@code count} events that are not the welcome; fails if one of them is not a movie. */
    private static List<ServerSentEvent> movies(EventStream stream, int count, Duration within, String hint) {
        long deadline = System.nanoTime() + within.toNanos();
        List<ServerSentEvent> movies = new ArrayList<>(count);
        while (movies.size() < count) {
            ServerSentEvent event = stream.next(left(deadline), "Got " + movies.size() + " of " + count + " movie(s). " + hint);
            if (!event.type().equals("welcome")) {
                assertEquals("movie", event.type(), "only movie events should follow the welcome, got " + event + ". " + hint);
                movies.add(event);
            }
        }
        return movies;
    }

    private HttpResponse<String> post(String json) {
        return post("application/json", json);
    }

    private HttpResponse<String> post(String contentType, String body) {
        return server.post("/movies", contentType, body);
    }

    private static void assertCreated(HttpResponse<String> answer, String hint) {
        assertEquals(201, answer.statusCode(), "POST /movies with a good movie should answer 201 Created. " + hint
                + "\n  answer: " + answer.body());
    }

    /** A movie exactly as the server writes it, posted as the n-th reading of the stepping clock (1 s apart). */
    private static String movieJson(long id, String title, int year) throws IOException {
        long postedAt = START.plusSeconds(id - 1).toEpochMilli();
        return JSON.writeValueAsString(JSON.createObjectNode().put("id", id).put("title", title).put("year", year)
                .put("postedAt", postedAt));
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }
}
