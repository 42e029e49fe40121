package sse.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import sse.check.Await;
import sse.check.EventStream;
import sse.check.PageCheck;
import sse.check.ServerSentEvent;
import sse.check.TestServer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Lesson 04: checks the registry, the broadcast and the checks on posted movies over real HTTP. Run: ./mvnw -q -pl lessons/04-client-registry test -Pcheck */
class RegistryTest {

    static final String TODO_1 = "Look at TODO 1 in RegistryApp.java (docs/04-client-registry.md#todo-1-register-the-client).";
    static final String TODO_2 = "Look at TODO 2 in RegistryApp.java (docs/04-client-registry.md#todo-2-welcome-with-the-count).";
    static final String TODO_3 = "Look at TODO 3 in ClientRegistry.java (docs/04-client-registry.md#todo-3-broadcast-to-every-client).";
    static final String TODO_4 = "Look at TODO 4 in PostedMovie.java (docs/04-client-registry.md#todo-4-check-what-is-posted).";
    static final String GIVEN = "This check is already written, in PostedMovie.readJson (docs/04-client-registry.md#reading-a-body-you-do-not-trust).";

    static final Duration HEARTBEAT = Duration.ofMillis(50);
    /** A heartbeat that never comes during a test: only broadcasts write. */
    static final Duration NO_HEARTBEAT = Duration.ofHours(1);
    static final Duration WITHIN = Duration.ofSeconds(3);
    static final int MAX_BODY = 4096;
    static final String MATRIX = "{\"title\":\"The Matrix\",\"year\":1999}";

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private RegistryApp lesson;
    private TestServer server;
    private final List<EventStream> streams = new ArrayList<>();

    private TestServer start() {
        return start(new RegistryApp.Options(HEARTBEAT, MAX_BODY));
    }

    private TestServer start(RegistryApp.Options options) {
        lesson = new RegistryApp(options);
        server = TestServer.start(lesson.create());
        return server;
    }

    @AfterEach
    void stop() {
        streams.forEach(EventStream::close);
        if (server != null) {
            server.close();
        }
    }

    // ---------------------------------------------------------------------------------------
    // Joining, leaving, counting
    // ---------------------------------------------------------------------------------------

    @Test
    @DisplayName("a new client is welcomed with the number of clients connected, itself included")
    void welcomeTellsTheCount() throws IOException {
        start();
        EventStream first = join();
        ServerSentEvent welcome = first.next(WITHIN, "A new client should first get a welcome event. " + TODO_2);
        assertEquals("welcome", welcome.type(), "the first event should be named welcome. " + TODO_2);
        assertJson("{\"clients\":1}", welcome.data(), "the welcome's data is new Clients(count), counting the new client. "
                + TODO_1 + " " + TODO_2);
        EventStream second = join();
        assertJson("{\"clients\":2}", second.next(WITHIN, "No welcome for the second client. " + TODO_2).data(),
                "the second client is told there are two. " + TODO_1 + " " + TODO_2);
        assertTrue(first.raw().startsWith("event: welcome\ndata: {\"clients\":1}\n\n"),
                "the welcome is one event with one data: line, got " + first.describe());
    }

    @Test
    @DisplayName("GET /clients follows clients as they connect and leave, noticed by the heartbeat")
    void countFollowsConnectsAndDisconnects() throws IOException {
        start();
        assertEquals(0, clientsByHttp(), "no client has connected yet");
        EventStream leaves = join();
        join();
        awaitClientsByHttp(2, "Two clients connected, so GET /clients should say 2. " + TODO_1);
        leaves.close();
        awaitClientsByHttp(1, "A client left: the heartbeat's write to it fails, Javalin calls onClose, and that "
                + "should remove it from the registry. " + TODO_1);
        join();
        awaitClientsByHttp(2, "A third client connected after one left, so GET /clients should say 2. " + TODO_1);
    }

    @Test
    @DisplayName("every registered client gets a heartbeat comment, \": ping\", at the interval")
    void heartbeat() {
        start();
        EventStream stream = join();
        stream.awaitRaw(raw -> raw.contains(": ping\n"), WITHIN, "The heartbeat sends \": ping\" to every client in "
                + "the registry (every 50 ms in this test). " + TODO_1);
        assertTrue(stream.comments().contains("ping"), "a comment, not an event");
    }

    @Test
    @DisplayName("stopping the server stops the heartbeat and lets every client go")
    void stopLetsEveryoneGo() {
        start();
        EventStream one = join();
        EventStream two = join();
        awaitClients(2, TODO_1);
        server.close();
        Await.until(lesson::heartbeatStopped, WITHIN, () -> "the heartbeat thread should stop with the server");
        assertEquals(0, lesson.clients(), "after a stop the registry is empty: Javalin's stop() does not call onClose");
        one.awaitEnd(WITHIN, "the server stopped, so the stream ends");
        two.awaitEnd(WITHIN, "the server stopped, so the stream ends");
    }

    // ---------------------------------------------------------------------------------------
    // Broadcasting
    // ---------------------------------------------------------------------------------------

    @Test
    @DisplayName("a good POST /movies answers 201 with the movie's id and how many clients got it; ids go 1, 2, 3")
    void postAnswersWithIdAndCount() throws IOException {
        start();
        for (int id = 1; id <= 3; id++) {
            HttpResponse<String> answer = post(MATRIX);
            assertCreated(answer, TODO_3);
            assertJson("{\"id\":" + id + ",\"clients\":0}", answer.body(),
                    "the answer to movie " + id + " (no client is connected). " + TODO_3);
        }
    }

    @Test
    @DisplayName("three clients all receive a posted movie as one movie event with its id and JSON data")
    void everyClientReceivesAPostedMovie() throws IOException {
        start();
        List<EventStream> three = List.of(join(), join(), join());
        awaitClients(3, TODO_1);
        for (int id = 1; id <= 2; id++) {
            HttpResponse<String> answer = post(MATRIX);
            assertCreated(answer, TODO_3);
            assertJson("{\"id\":" + id + ",\"clients\":3}", answer.body(), "the movie went to the three clients. " + TODO_3);
            String data = movieJson(id, "The Matrix", 1999);
            for (int c = 0; c < three.size(); c++) {
                EventStream stream = three.get(c);
                ServerSentEvent movie = movies(stream, 1, WITHIN, "Client " + (c + 1) + " of 3 got no movie " + id + ". " + TODO_3).get(0);
                assertEquals(new ServerSentEvent("movie", data, String.valueOf(id)), movie,
                        "client " + (c + 1) + " should get the movie as an event named movie, with the id as its id. " + TODO_3);
                assertTrue(stream.raw().contains("id: " + id + "\nevent: movie\ndata: " + data + "\n\n"),
                        "one id: line, one event: line, one data: line, got " + stream.describe());
            }
        }
    }

    @Test
    @DisplayName("titles with line breaks, NUL, quotes, HTML and non-ASCII arrive exactly, each as one event")
    void titlesCannotForgeEvents() throws IOException {
        start();
        EventStream stream = join();
        awaitClients(1, TODO_1);
        List<String> titles = List.of(
                "line\nfeed", "carriage\rreturn", "crlf\r\nline", "ends with CR\r", "ends with LF\n",
                "\n\ndata: forged", "event: hack", "x\n\nevent: hack\ndata: forged\nid: 999\n\n",
                "retry: 1\n\n: comment\n\n", "data: starts like a field", "nul\u0000byte",
                "say \"hi\" and \\\"escape\\\"", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                "Amélie", "🎬 Pokémon, ünïcödé, 日本語", "\uFEFFstarts with a BOM", "\u2028line separators\u2029",
                "\ttab", "  spaces kept  ");
        for (int i = 0; i < titles.size(); i++) {
            String title = titles.get(i);
            long id = i + 1;
            String label = "title " + escape(title);
            ObjectNode body = JSON.createObjectNode().put("title", title).put("year", 2001);
            assertCreated(post(JSON.writeValueAsString(body)), label + ". " + TODO_3);
            ServerSentEvent movie = movies(stream, 1, WITHIN, "No movie for " + label + ". " + TODO_3).get(0);
            String data = movieJson(id, title, 2001);
            assertEquals(new ServerSentEvent("movie", data, String.valueOf(id)), movie,
                    "the next event should be movie " + id + ", " + label + ", and nothing else: a posted text must "
                            + "never end an event or start one. " + TODO_3);
            assertEquals(title, JSON.readTree(movie.data()).get("title").textValue(), label + " arrives exactly");
            assertFalse(data.contains("\n") || data.contains("\r"), "JSON escapes line breaks, so data is one line");
            assertTrue(stream.raw().contains("id: " + id + "\nevent: movie\ndata: " + data + "\n\n"),
                    "movie " + id + " is one id:, one event: and one data: line. Got " + stream.describe());
        }
        assertCreated(post("{\"title\":\"the end\",\"year\":2001}"), TODO_3);
        ServerSentEvent last = movies(stream, 1, WITHIN, "No movie for the last post. " + TODO_3).get(0);
        assertEquals(movieJson(titles.size() + 1, "the end", 2001), last.data(), "no forged event came before the last movie");
    }

    @Test
    @DisplayName("clients that leave while movies are being sent do not disturb the others")
    void leavingDuringBroadcast() throws Exception {
        start(new RegistryApp.Options(NO_HEARTBEAT, MAX_BODY)); // only broadcasts notice who has left
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

    // ---------------------------------------------------------------------------------------
    // Checking what is posted
    // ---------------------------------------------------------------------------------------

    /** A body that must be refused: what is sent, the status expected, a word the message must contain. */
    record Bad(String name, int status, String contentType, String body, boolean chunked, String mentions, String hint) {
        @Override
        public String toString() {
            return name + " -> " + status;
        }
    }

    static Stream<Bad> badInput() {
        String json = "application/json";
        String big = "{\"title\":\"" + "x".repeat(MAX_BODY) + "\",\"year\":1999}";
        return Stream.of(
                new Bad("no Content-Type", 415, null, MATRIX, false, "Content-Type", GIVEN),
                new Bad("Content-Type text/plain", 415, "text/plain", MATRIX, false, "Content-Type", GIVEN),
                new Bad("a form, as curl -d sends without -H", 415, "application/x-www-form-urlencoded", MATRIX, false, "Content-Type", GIVEN),
                new Bad("JSON in ISO-8859-1", 415, "application/json; charset=iso-8859-1", MATRIX, false, "Content-Type", GIVEN),
                new Bad("a body over the limit, with Content-Length", 413, json, big, false, String.valueOf(MAX_BODY), GIVEN),
                new Bad("a body over the limit, chunked (no Content-Length)", 413, json, big, true, String.valueOf(MAX_BODY), GIVEN),
                new Bad("an empty body", 400, json, "", false, "empty", GIVEN),
                new Bad("a body of spaces", 400, json, "   ", false, "empty", GIVEN),
                new Bad("JSON cut short", 400, json, "{\"title\":\"The Matrix\",\"year\":", false, "JSON", GIVEN),
                new Bad("not JSON at all", 400, json, "title=The Matrix&year=1999", false, "JSON", GIVEN),
                new Bad("keys without quotes", 400, json, "{title:\"The Matrix\",year:1999}", false, "JSON", GIVEN),
                new Bad("more after the JSON", 400, json, MATRIX + " {}", false, "JSON", GIVEN),
                new Bad("title twice", 400, json, "{\"title\":\"a\",\"title\":\"b\",\"year\":1999}", false, "title", GIVEN),
                new Bad("an array", 400, json, "[" + MATRIX + "]", false, "object", TODO_4),
                new Bad("a string", 400, json, "\"The Matrix\"", false, "object", TODO_4),
                new Bad("a number", 400, json, "1999", false, "object", TODO_4),
                new Bad("null", 400, json, "null", false, "object", TODO_4),
                new Bad("no title", 400, json, "{\"year\":1999}", false, "title", TODO_4),
                new Bad("title null", 400, json, "{\"title\":null,\"year\":1999}", false, "title", TODO_4),
                new Bad("title a number", 400, json, "{\"title\":1999,\"year\":1999}", false, "title", TODO_4),
                new Bad("title an object", 400, json, "{\"title\":{\"en\":\"x\"},\"year\":1999}", false, "title", TODO_4),
                new Bad("title empty", 400, json, "{\"title\":\"\",\"year\":1999}", false, "title", TODO_4),
                new Bad("title only spaces", 400, json, "{\"title\":\"   \",\"year\":1999}", false, "title", TODO_4),
                new Bad("title only line breaks and tabs", 400, json, "{\"title\":\"\\n\\t\\r\\n\",\"year\":1999}", false, "title", TODO_4),
                new Bad("title of 201 characters", 400, json, "{\"title\":\"" + "x".repeat(201) + "\",\"year\":1999}", false, "title", TODO_4),
                new Bad("title half an emoji", 400, json, "{\"title\":\"\\ud83c\",\"year\":1999}", false, "title", TODO_4),
                new Bad("no year", 400, json, "{\"title\":\"The Matrix\"}", false, "year", TODO_4),
                new Bad("year null", 400, json, "{\"title\":\"The Matrix\",\"year\":null}", false, "year", TODO_4),
                new Bad("year a string", 400, json, "{\"title\":\"The Matrix\",\"year\":\"1999\"}", false, "year", TODO_4),
                new Bad("year with a fraction", 400, json, "{\"title\":\"The Matrix\",\"year\":1999.5}", false, "year", TODO_4),
                new Bad("year 1999.0", 400, json, "{\"title\":\"The Matrix\",\"year\":1999.0}", false, "year", TODO_4),
                new Bad("year true", 400, json, "{\"title\":\"The Matrix\",\"year\":true}", false, "year", TODO_4),
                new Bad("year an array", 400, json, "{\"title\":\"The Matrix\",\"year\":[1999]}", false, "year", TODO_4),
                new Bad("year 1887", 400, json, "{\"title\":\"The Matrix\",\"year\":1887}", false, "year", TODO_4),
                new Bad("year 2101", 400, json, "{\"title\":\"The Matrix\",\"year\":2101}", false, "year", TODO_4),
                new Bad("year -1999", 400, json, "{\"title\":\"The Matrix\",\"year\":-1999}", false, "year", TODO_4),
                new Bad("year beyond an int", 400, json, "{\"title\":\"The Matrix\",\"year\":4294969295}", false, "year", TODO_4));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInput")
    @DisplayName("bad input is refused with a 4xx and a JSON message that says what was wrong")
    void badInputIsRefused(Bad bad) throws IOException {
        start();
        HttpResponse<String> answer = send(bad);
        assertEquals(bad.status(), answer.statusCode(), bad.name() + " should be refused with " + bad.status() + ". "
                + bad.hint() + "\n  answer: " + answer.body());
        assertTrue(answer.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                "the refusal is JSON, got " + answer.headers().firstValue("Content-Type").orElse("no Content-Type"));
        JsonNode error = JSON.readTree(answer.body()).get("error");
        assertTrue(error != null && error.isTextual() && !error.textValue().isBlank(),
                "the answer should be {\"error\": \"what was wrong\"}, got " + answer.body());
        assertTrue(error.textValue().toLowerCase(Locale.ROOT).contains(bad.mentions().toLowerCase(Locale.ROOT)),
                "the message should say what was wrong (mention \"" + bad.mentions() + "\"), got \"" + error.textValue()
                        + "\". " + bad.hint());
    }

    @Test
    @DisplayName("a refused post reaches no client and uses up no id")
    void refusedPostsReachNoClient() throws IOException {
        start();
        EventStream stream = join();
        awaitClients(1, TODO_1);
        for (Bad bad : badInput().toList()) {
            int status = send(bad).statusCode();
            assertTrue(status >= 400 && status < 500, bad.name() + " should be refused with a 4xx, got " + status + ". " + bad.hint());
        }
        // Each refusal was answered before this post was made, and a stream keeps its order:
        // had anything been sent, it would come before this movie.
        assertCreated(post(MATRIX), TODO_3);
        ServerSentEvent next = movies(stream, 1, WITHIN, "No movie after the refused posts. " + TODO_3).get(0);
        assertEquals(new ServerSentEvent("movie", movieJson(1, "The Matrix", 1999), "1"), next,
                "the first movie the client gets should be the good one, with id 1: nothing refused is sent, "
                        + "and a refused post takes no id. " + TODO_4);
    }

    @Test
    @DisplayName("movies at the edges of the rules are accepted exactly as posted; other fields are ignored")
    void edgesAreAccepted() throws IOException {
        start();
        EventStream stream = join();
        awaitClients(1, TODO_1);
        String longest = "🎬".repeat(200); // 200 characters, 400 UTF-16 units
        List<String[]> good = List.of(
                new String[] {"application/json", "{\"title\":\"" + longest + "\",\"year\":1888}", longest, "1888"},
                new String[] {"application/json; charset=UTF-8", "{\"title\":\"A\",\"year\":2100}", "A", "2100"},
                new String[] {"Application/JSON;charset=\"utf-8\"", "{\"title\":\"  Heat  \",\"year\":1995}", "  Heat  ", "1995"},
                new String[] {"application/json", "{\"year\":1999,\"title\":\"Extra\",\"rating\":5,\"html\":\"<b>\"}", "Extra", "1999"},
                new String[] {"application/json", " \n{ \"title\" : \"Spaced\" , \"year\" : 1999 }\n ", "Spaced", "1999"});
        for (int i = 0; i < good.size(); i++) {
            String[] movie = good.get(i);
            HttpResponse<String> answer = post(movie[0], movie[1]);
            assertCreated(answer, "Content-Type " + movie[0] + ", body " + movie[1] + ". " + TODO_4);
            ServerSentEvent event = movies(stream, 1, WITHIN, "No movie for " + movie[1] + ". " + TODO_3).get(0);
            assertEquals(movieJson(i + 1, movie[2], Integer.parseInt(movie[3])), event.data(),
                    "the movie is sent exactly as posted (not trimmed), with only id, title and year. " + TODO_4);
        }
    }

    // ---------------------------------------------------------------------------------------
    // The page
    // ---------------------------------------------------------------------------------------

    @Test
    @DisplayName("the page listens for welcome and movie events, posts with fetch, and writes only text")
    void page() {
        PageCheck page = PageCheck.of(RegistryApp.LESSON);
        page.assertOpensEventSource("/events");
        page.assertListensFor("welcome", "movie");
        page.assertElementsExist("state", "client-count", "movie-form", "title", "year", "form-result", "movies");
        page.assertWritesTextOnly();
        assertTrue(page.script().matches("(?s).*fetch\\(\\s*[\"'`]/movies[\"'`].*"), "the form posts with fetch(\"/movies\", ...)");
        assertTrue(page.script().contains("application/json"), "the form sends Content-Type: application/json");
    }

    @Test
    @DisplayName("the server serves the page at /")
    void servesThePage() {
        HttpResponse<String> page = start().get("/");
        assertEquals(200, page.statusCode(), "GET / should answer with the page");
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), "the page is HTML");
        assertTrue(page.body().contains("new EventSource(\"/events\")"), "it is this lesson's page");
    }

    // ---------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------

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

    private int clientsByHttp() throws IOException {
        HttpResponse<String> answer = server.get("/clients");
        assertEquals(200, answer.statusCode(), "GET /clients: " + answer.body());
        return JSON.readTree(answer.body()).get("clients").asInt();
    }

    private void awaitClientsByHttp(int count, String hint) {
        AtomicReference<Integer> last = new AtomicReference<>();
        Await.until(() -> {
            try {
                last.set(clientsByHttp());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return last.get() == count;
        }, WITHIN, () -> "GET /clients should say " + count + ", but says " + last.get() + ". " + hint);
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

    private HttpResponse<String> send(Bad bad) {
        byte[] body = bad.body().getBytes(StandardCharsets.UTF_8);
        return post(bad.contentType(), bad.chunked()
                ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)) // length unknown: chunked
                : HttpRequest.BodyPublishers.ofByteArray(body));
    }

    private HttpResponse<String> post(String contentType, String body) {
        return post(contentType, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    }

    private HttpResponse<String> post(String contentType, HttpRequest.BodyPublisher body) {
        return server.post("/movies", contentType, body);
    }

    private static void assertCreated(HttpResponse<String> answer, String hint) {
        assertEquals(201, answer.statusCode(), "POST /movies with a good movie should answer 201 Created. " + hint
                + "\n  answer: " + answer.body());
    }

    private static void assertJson(String expected, String actual, String message) throws IOException {
        JsonNode got;
        try {
            got = JSON.readTree(actual);
        } catch (IOException e) {
            throw new AssertionError(message + "\n  expected JSON " + expected + " but got: " + actual, e);
        }
        assertEquals(JSON.readTree(expected), got, message + "\n  got: " + actual);
    }

    /** A movie's data exactly as the server sends it: Jackson writes a record's fields in order. */
    private static String movieJson(long id, String title, int year) throws IOException {
        return JSON.writeValueAsString(JSON.createObjectNode().put("id", id).put("title", title).put("year", year));
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    private static String escape(String text) {
        return '"' + text.replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "\\0") + '"';
    }
}
