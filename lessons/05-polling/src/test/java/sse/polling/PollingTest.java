package sse.polling;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import sse.check.Cases;
import sse.check.Await;
import sse.check.ChecksTodo;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static sse.check.MovieFeed.JSON;
import static sse.check.MovieFeed.answer;
import static sse.check.MovieFeed.assertCreated;
import static sse.check.MovieFeed.left;
import static sse.check.MovieFeed.movies;

/**
 * Lesson 05: short polling, long polling and SSE side by side, over real HTTP, TODO by TODO.
 * Run: ./mvnw -q -pl lessons/05-polling -am test -Pcheck. The races (concurrent posters and pollers)
 * are in PollingRaceTest.
 */
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

    /** For requests whose answer comes later (long polls): TestServer's get waits for its answer. */
    static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private PollingApp lesson;
    private Javalin app;
    private TestServer server;
    private final List<EventStream> streams = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();

    static PollingApp.Options options(int historySize, Duration longPollTimeout, Clock clock) {
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
    // TODO 1: the short poll, and the check of after
    // ---------------------------------------------------------------------------------------

    @Test
    @ChecksTodo(1)
    @DisplayName("a short poll answers at once with only the movies newer than the id it sent")
    void shortPollAnswersWhatIsNewer() {
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
    @ChecksTodo(1)
    @DisplayName("after=0, after=007 and the largest long, 9223372036854775807, are good ids")
    void edgeIdsAreAccepted() {
        start(1000, LONG_TIMEOUT);
        assertCreated(post(MATRIX), LESSON_04);
        assertEquals(List.of(1L), ids(moviesOf(server.get("/movies?after=0"), "after=0", TODO_1)), "after=0. " + TODO_1);
        assertEquals(List.of(), ids(moviesOf(server.get("/movies?after=007"), "after=007", TODO_1)),
                "after=007 is 7: digits are digits. " + TODO_1);
        assertEquals(List.of(), ids(moviesOf(server.get("/movies?after=" + Long.MAX_VALUE), "the largest long", TODO_1)),
                "after=" + Long.MAX_VALUE + " fits a long. " + TODO_1);
    }

    /** An {@code after} that must be refused: the query string, and a word the message must contain. */
    record BadAfter(String name, String query, String mentions) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A bad after sent to one of the two poll endpoints. */
    record Asked(String path, BadAfter bad) {
        @Override
        public String toString() {
            return path + " " + bad.name();
        }
    }

    static List<BadAfter> badAfter() {
        return List.of(
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
    }

    @Test
    @ChecksTodo(1)
    @DisplayName("a bad after gets a 400 with a JSON message that says what is wrong, on both poll endpoints")
    void badAfterIsRefused() {
        start(1000, LONG_TIMEOUT);
        // The long poll reads after with the same AfterId.from, before its own TODO: so it is TODO 1's too.
        List<Asked> cases = new ArrayList<>();
        for (String path : List.of("/movies", "/movies/wait")) {
            badAfter().forEach(bad -> cases.add(new Asked(path, bad)));
        }
        Cases.each(cases, poll -> {
            BadAfter bad = poll.bad();
            String asked = poll.path() + bad.query();
            HttpResponse<String> answer = timedGet(asked, AT_ONCE, "A bad after is refused at once. " + TODO_1);
            assertEquals(400, answer.statusCode(), "GET " + asked + " (" + bad.name() + ") should be refused with 400. "
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
        });
    }

    @ParameterizedTest(name = "Content-Type: [{0}]")
    @ValueSource(strings = {"text/plain; charset", "charset=x", "application/json; charset=ebcdic", ";;"})
    @ChecksTodo(1)
    @DisplayName("a Content-Type on a poll, which a GET has no reason to send, changes nothing")
    void contentTypeOfAPollChangesNothing(String contentType) {
        start(1000, LONG_TIMEOUT);
        postNumbered(3);
        // The short poll: the long poll reads after with the same AfterId.from, and answers only after TODO 2.
        String path = "/movies?after=1";
        HttpRequest request = HttpRequest.newBuilder(server.uri(path)).header("Content-Type", contentType)
                .timeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> answer = answer(HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)),
                AT_ONCE, "GET " + path + " was not answered at once. " + TODO_1);
        assertEquals(List.of(2L, 3L), ids(moviesOf(answer, "GET " + path + " with Content-Type: " + contentType,
                "AfterId.from (given) reads after as UTF-8, whatever the request's Content-Type says (Javalin's "
                        + "own ctx.queryParams would use its charset). " + TODO_1)));
    }

    @Test
    @ChecksTodo(1)
    @DisplayName("the history keeps only the newest movies (5 here): older ones drop out of the short poll")
    void historyIsBounded() {
        start(5, LONG_TIMEOUT);
        postNumbered(12);
        assertEquals(List.of(8L, 9L, 10L, 11L, 12L), ids(moviesOf(server.get("/movies?after=0"), "after=0", TODO_1)),
                "12 posted, 5 kept: after=0 returns the newest 5, oldest first. " + TODO_1);
        assertEquals(List.of(8L, 9L, 10L, 11L, 12L), ids(moviesOf(server.get("/movies?after=3"), "after=3", TODO_1)),
                "movies 4 to 7 are gone: after=3 gets what is kept. " + TODO_1);
        assertEquals(List.of(11L, 12L), ids(moviesOf(server.get("/movies?after=10"), "after=10", TODO_1)), "after=10. " + TODO_1);
        JsonNode stats = stats();
        assertEquals(12, stats.path("lastId").asLong(), "/stats: lastId " + stats);
        assertEquals(5, stats.path("keptMovies").asInt(), "/stats: keptMovies " + stats);
    }

    @Test
    @ChecksTodo(1)
    @DisplayName("lesson 04's checks still hold: bad posts get a 4xx with a JSON message, use up no id and are not kept")
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
            HttpResponse<String> answer = server.post("/movies", b[0], b[1]);
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
    // TODO 2: the long poll waits, without a thread
    // ---------------------------------------------------------------------------------------

    @Test
    @ChecksTodo(2)
    @DisplayName("a long poll answers at once, like a short poll, when movies newer than its id are kept")
    void longPollAnswersAtOnceWhenSomethingIsNewer() {
        start(1000, LONG_TIMEOUT);
        for (int i = 0; i < 3; i++) {
            assertCreated(post(MATRIX), LESSON_04);
        }
        HttpResponse<String> answer = timedGet("/movies/wait?after=1", AT_ONCE, "Movies 2 and 3 are newer than 1: no need to "
                + "wait (the long poll's timeout here is 30 s). " + TODO_2);
        assertEquals(List.of(2L, 3L), ids(moviesOf(answer, "/movies/wait?after=1", TODO_2)),
                "after=1 with movies 1 to 3 kept: movies 2 and 3, at once. " + TODO_2);
        assertEquals(List.of(1L, 2L, 3L), ids(moviesOf(timedGet("/movies/wait?after=0", AT_ONCE, TODO_2), "a long poll, after=0", TODO_2)),
                "a long poll with after=0 answers at once with what is kept. " + TODO_2);
    }

    @Test
    @ChecksTodo(2)
    @DisplayName("a long poll sees the same bounded history (5 here) as the short poll")
    void longPollSeesTheBoundedHistory() {
        start(5, LONG_TIMEOUT);
        postNumbered(12);
        HttpResponse<String> wait = timedGet("/movies/wait?after=0", AT_ONCE, "Kept movies are newer: no need to wait. " + TODO_2);
        assertEquals(List.of(8L, 9L, 10L, 11L, 12L), ids(moviesOf(wait, "/movies/wait?after=0", TODO_2)),
                "a long poll sees the same history. " + TODO_2);
    }

    @Test
    @ChecksTodo(2)
    @DisplayName("a long poll with nothing new answers [] at its timeout (300 ms here), not much earlier or later")
    void longPollTimesOut() {
        Duration timeout = Duration.ofMillis(300);
        start(1000, timeout);
        long started = System.nanoTime();
        CompletableFuture<HttpResponse<String>> poll = longPoll(server, 0);
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
    @ChecksTodo(2)
    @DisplayName("while 50 long polls wait, no server thread is held: other requests answer at once")
    void waitingPollsHoldNoThread() {
        start(1000, LONG_TIMEOUT);
        server.get("/stats"); // the pool has warmed up
        int busyBefore = busyThreads();
        String hint = "A waiting long poll is a future handed to ctx.future(...), not a thread that waits. " + TODO_2;
        List<CompletableFuture<HttpResponse<String>>> polls = fiftyWaitingPolls(hint);
        assertEquals(50, stats().path("waitingLongPolls").asInt(), "/stats counts the waiting polls");
        assertEquals(0, polls.stream().filter(CompletableFuture::isDone).count(), "nothing was posted: every poll still waits. " + hint);
        int busy = busyThreads();
        assertTrue(busy < busyBefore + 10, "with 50 long polls waiting, " + busy + " of Jetty's threads are busy ("
                + busyBefore + " before): each waiting poll holds one. Do not wait with future.get() or join(). " + hint);
        HttpResponse<String> clients = timedGet("/clients", AT_ONCE, "GET /clients waited while long polls waited. " + hint);
        assertEquals("{\"clients\":0}", clients.body(), "GET /clients still answers");
        HttpResponse<String> page = timedGet("/", AT_ONCE, "The page waited while long polls waited. " + hint);
        assertEquals(200, page.statusCode(), "the page still answers");
    }

    @Test
    @ChecksTodo(2)
    @DisplayName("long polls whose clients have gone end at their timeout at the latest: they do not pile up")
    void goneClientsDoNotPileUp() throws Exception {
        Duration timeout = Duration.ofSeconds(2); // long enough to see all 20 wait on a busy machine
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
    @ChecksTodo(2)
    @DisplayName("stopping the server answers the waiting long polls and stops its timers")
    void stopEndsEverything() throws Exception {
        start(1000, LONG_TIMEOUT);
        List<CompletableFuture<HttpResponse<String>>> polls = List.of(longPoll(server, 0), longPoll(server, 0), longPoll(server, 0));
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
    // TODO 3: a publish wakes the waiting long polls
    // ---------------------------------------------------------------------------------------

    @Test
    @ChecksTodo(value = 3, needs = 2)
    @DisplayName("a waiting long poll answers within 2 s of a post, with that movie, though its timeout is 30 s")
    void waitingLongPollAnswersOnPost() {
        start(1000, LONG_TIMEOUT);
        String hint = "A long poll with nothing newer waits (TODO 2) until a publish wakes it (TODO 3). " + TODO_3;
        CompletableFuture<HttpResponse<String>> poll = longPoll(server, 0);
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
    @ChecksTodo(value = 3, needs = 2)
    @DisplayName("one post answers all 50 waiting long polls, each with that movie")
    void onePostAnswersEveryWaitingPoll() {
        start(1000, LONG_TIMEOUT);
        List<CompletableFuture<HttpResponse<String>>> polls = fiftyWaitingPolls(TODO_2);
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

    // ---------------------------------------------------------------------------------------
    // What lesson 04 built still works, and the page
    // ---------------------------------------------------------------------------------------

    @Test
    @DisplayName("lesson 04's stream still works: a welcome with the count, and each post reaches every client as one movie event")
    void streamStillWorks() {
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
    // Helpers (PollingRaceTest uses the static ones)
    // ---------------------------------------------------------------------------------------

    /** Opens a stream as a browser does, and keeps it to close after the test. */
    private EventStream join() {
        EventStream stream = EventStream.open(server.uri("/events"));
        streams.add(stream);
        return stream.expectEventStream("GET /events should be a stream. " + LESSON_04);
    }

    private HttpResponse<String> post(String json) {
        return server.post("/movies", "application/json", json);
    }

    /** Posts movies 1 to {@code count}. */
    private void postNumbered(int count) {
        for (int i = 1; i <= count; i++) {
            assertCreated(post("{\"title\":\"movie " + i + "\",\"year\":2000}"), LESSON_04);
        }
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

    /** Sends 50 long polls with nothing newer, and waits until all 50 wait. */
    private List<CompletableFuture<HttpResponse<String>>> fiftyWaitingPolls(String hint) {
        List<CompletableFuture<HttpResponse<String>>> polls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            polls.add(longPoll(server, 0));
        }
        awaitWaiting(50, polls.get(0), hint);
        return polls;
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
    static CompletableFuture<HttpResponse<String>> longPoll(TestServer server, long after) {
        return poll(server, "/movies/wait?after=" + after);
    }

    /** Sends {@code GET path} without waiting for the answer. */
    static CompletableFuture<HttpResponse<String>> poll(TestServer server, String path) {
        HttpRequest request = HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(40)).build();
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** The movies of a poll's answer: it must be a 200 with a JSON array. */
    static List<JsonNode> moviesOf(HttpResponse<String> answer, String what, String hint) {
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

    static List<Long> ids(List<JsonNode> movies) {
        return movies.stream().map(movie -> movie.path("id").asLong()).toList();
    }

    /** A movie exactly as the server writes it, posted as the n-th reading of the stepping clock (1 s apart). */
    private static String movieJson(long id, String title, int year) {
        long postedAt = START.plusSeconds(id - 1).toEpochMilli();
        try {
            return JSON.writeValueAsString(JSON.createObjectNode().put("id", id).put("title", title).put("year", year)
                    .put("postedAt", postedAt));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
