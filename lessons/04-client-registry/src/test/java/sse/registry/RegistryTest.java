package sse.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.Cases;
import sse.check.Await;
import sse.check.ChecksTodo;
import sse.check.EventStream;
import sse.check.PageCheck;
import sse.check.ServerSentEvent;
import sse.check.TestServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static sse.check.MovieFeed.JSON;
import static sse.check.MovieFeed.assertCreated;
import static sse.check.MovieFeed.assertJson;
import static sse.check.MovieFeed.movies;

/**
 * Lesson 04: checks the registry, the broadcast and the checks on posted movies over real HTTP, TODO by TODO.
 * Run: ./mvnw -q -pl lessons/04-client-registry -am test -Pcheck. The harder checks have classes of their own:
 * RegistryStressTest (load, clients leaving), PostRobustnessTest, PostFuzzTest and SameOriginTest.
 */
class RegistryTest {

    static final String TODO_1 = "Look at TODO 1 in RegistryApp.java (docs/04-client-registry.md#todo-1-register-the-client).";
    static final String TODO_2 = "Look at TODO 2 in RegistryApp.java (docs/04-client-registry.md#todo-2-welcome-with-the-count).";
    static final String TODO_3 = "Look at TODO 3 in ClientRegistry.java (docs/04-client-registry.md#todo-3-broadcast-to-every-client).";
    static final String TODO_4 = "Look at TODO 4 in PostedMovie.java (docs/04-client-registry.md#todo-4-check-what-is-posted).";

    static final Duration HEARTBEAT = Duration.ofMillis(50);
    static final Duration WITHIN = Duration.ofSeconds(3);
    static final int MAX_BODY = 4096;
    static final String MATRIX = "{\"title\":\"The Matrix\",\"year\":1999}";

    private RegistryApp lesson;
    private TestServer server;
    private final List<EventStream> streams = new ArrayList<>();

    private TestServer start() {
        lesson = new RegistryApp(new RegistryApp.Options(HEARTBEAT, MAX_BODY));
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
    // TODO 1: joining and leaving
    // ---------------------------------------------------------------------------------------

    @Test
    @ChecksTodo(1)
    @DisplayName("GET /clients follows clients as they connect and leave, noticed by the heartbeat")
    void countFollowsConnectsAndDisconnects() {
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
    @ChecksTodo(1)
    @DisplayName("every registered client gets a heartbeat comment, \": ping\", at the interval")
    void heartbeat() {
        start();
        EventStream stream = join();
        stream.awaitRaw(raw -> raw.contains(": ping\n") || stubSaid(1), WITHIN, "The heartbeat sends \": ping\" to every "
                + "client in the registry (every 50 ms in this test). " + TODO_1);
        failIfStubSaid(1, "The heartbeat sends \": ping\" only to the clients in the registry. " + TODO_1);
        assertTrue(stream.comments().contains("ping"), "a comment, not an event");
    }

    @Test
    @ChecksTodo(1)
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
    // TODO 2: the welcome
    // ---------------------------------------------------------------------------------------

    @Test
    @ChecksTodo(value = 2, needs = 1)
    @DisplayName("a new client is welcomed with the number of clients connected, itself included")
    void welcomeTellsTheCount() {
        start();
        EventStream first = join();
        ServerSentEvent welcome = firstEvent(first, "A new client should first get a welcome event. " + TODO_2);
        assertEquals("welcome", welcome.type(), "the first event should be named welcome. " + TODO_2);
        assertJson("{\"clients\":1}", welcome.data(), "the welcome's data is new Clients(count), counting the new client. "
                + TODO_1 + " " + TODO_2);
        EventStream second = join();
        assertJson("{\"clients\":2}", firstEvent(second, "No welcome for the second client. " + TODO_2).data(),
                "the second client is told there are two. " + TODO_1 + " " + TODO_2);
        assertTrue(first.raw().startsWith("event: welcome\ndata: {\"clients\":1}\n\n"),
                "the welcome is one event with one data: line, got " + first.describe());
    }

    // ---------------------------------------------------------------------------------------
    // TODO 3: the broadcast
    // ---------------------------------------------------------------------------------------

    @Test
    @ChecksTodo(3)
    @DisplayName("a good POST /movies answers 201 with the movie's id and how many clients got it; ids go 1, 2, 3")
    void postAnswersWithIdAndCount() {
        start();
        for (int id = 1; id <= 3; id++) {
            HttpResponse<String> answer = post(MATRIX);
            assertCreated(answer, TODO_3);
            assertJson("{\"id\":" + id + ",\"clients\":0}", answer.body(),
                    "the answer to movie " + id + " (no client is connected). " + TODO_3);
        }
    }

    @Test
    @ChecksTodo(value = 3, needs = 1)
    @DisplayName("three clients all receive a posted movie as one movie event with its id and JSON data")
    void everyClientReceivesAPostedMovie() {
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
    @ChecksTodo(value = 3, needs = 1)
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

    // ---------------------------------------------------------------------------------------
    // TODO 4: checking what is posted (what PostedMovie.readJson checks before is in PostRobustnessTest)
    // ---------------------------------------------------------------------------------------

    /** A JSON body that is not a movie: what is sent, and a word the 400's message must contain. */
    record BadMovie(String name, String body, String mentions) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<BadMovie> badMovies() {
        return Stream.of(
                new BadMovie("an array", "[" + MATRIX + "]", "object"),
                new BadMovie("a string", "\"The Matrix\"", "object"),
                new BadMovie("a number", "1999", "object"),
                new BadMovie("null", "null", "object"),
                new BadMovie("no title", "{\"year\":1999}", "title"),
                new BadMovie("title null", "{\"title\":null,\"year\":1999}", "title"),
                new BadMovie("title a number", "{\"title\":1999,\"year\":1999}", "title"),
                new BadMovie("title an object", "{\"title\":{\"en\":\"x\"},\"year\":1999}", "title"),
                new BadMovie("title empty", "{\"title\":\"\",\"year\":1999}", "title"),
                new BadMovie("title only spaces", "{\"title\":\"   \",\"year\":1999}", "title"),
                new BadMovie("title only line breaks and tabs", "{\"title\":\"\\n\\t\\r\\n\",\"year\":1999}", "title"),
                new BadMovie("title of 201 characters", "{\"title\":\"" + "x".repeat(201) + "\",\"year\":1999}", "title"),
                new BadMovie("title half an emoji", "{\"title\":\"\\ud83c\",\"year\":1999}", "title"),
                new BadMovie("no year", "{\"title\":\"The Matrix\"}", "year"),
                new BadMovie("year null", "{\"title\":\"The Matrix\",\"year\":null}", "year"),
                new BadMovie("year a string", "{\"title\":\"The Matrix\",\"year\":\"1999\"}", "year"),
                new BadMovie("year with a fraction", "{\"title\":\"The Matrix\",\"year\":1999.5}", "year"),
                new BadMovie("year 1999.0", "{\"title\":\"The Matrix\",\"year\":1999.0}", "year"),
                new BadMovie("year true", "{\"title\":\"The Matrix\",\"year\":true}", "year"),
                new BadMovie("year an array", "{\"title\":\"The Matrix\",\"year\":[1999]}", "year"),
                new BadMovie("year 1887", "{\"title\":\"The Matrix\",\"year\":1887}", "year"),
                new BadMovie("year 2101", "{\"title\":\"The Matrix\",\"year\":2101}", "year"),
                new BadMovie("year -1999", "{\"title\":\"The Matrix\",\"year\":-1999}", "year"),
                new BadMovie("year beyond an int", "{\"title\":\"The Matrix\",\"year\":4294969295}", "year"));
    }

    @Test
    @ChecksTodo(4)
    @DisplayName("JSON that is not a movie is refused with a 400 and a JSON message that says what was wrong")
    void badMoviesAreRefused() {
        start();
        Cases.each(badMovies().toList(), bad -> {
            HttpResponse<String> answer = post(bad.body());
            assertEquals(400, answer.statusCode(), bad.name() + " should be refused with 400. " + TODO_4
                    + "\n  answer: " + answer.body());
            assertTrue(answer.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                    "the refusal is JSON, got " + answer.headers().firstValue("Content-Type").orElse("no Content-Type"));
            JsonNode error = JSON.readTree(answer.body()).get("error");
            assertTrue(error != null && error.isTextual() && !error.textValue().isBlank(),
                    "the answer should be {\"error\": \"what was wrong\"}, got " + answer.body());
            assertTrue(error.textValue().toLowerCase(Locale.ROOT).contains(bad.mentions()),
                    "the message should say what was wrong (mention \"" + bad.mentions() + "\"), got \"" + error.textValue()
                            + "\". " + TODO_4);
        });
    }

    @Test
    @ChecksTodo(value = 4, needs = {1, 3})
    @DisplayName("a refused post reaches no client and uses up no id")
    void refusedPostsReachNoClient() {
        start();
        EventStream stream = join();
        awaitClients(1, TODO_1);
        for (BadMovie bad : badMovies().toList()) {
            int status = post(bad.body()).statusCode();
            assertTrue(status >= 400 && status < 500, bad.name() + " should be refused with a 4xx, got " + status + ". " + TODO_4);
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
    @ChecksTodo(value = 4, needs = {1, 3})
    @DisplayName("movies at the edges of the rules are accepted exactly as posted; other fields are ignored")
    void edgesAreAccepted() {
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
            HttpResponse<String> answer = server.post("/movies", movie[0], movie[1]);
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

    /**
     * Whether a stream carries the starter's note that TODO {@code todo} is not done: the stub of
     * TODO 1 and 2 writes it as a comment, so a check need not wait out its time to know.
     */
    private boolean stubSaid(int todo) {
        return streams.stream().anyMatch(s -> s.comments().stream().anyMatch(c -> c.startsWith("TODO " + todo + " is not done yet")));
    }

    private void failIfStubSaid(int todo, String hint) {
        for (EventStream stream : streams) {
            stream.comments().stream().filter(c -> c.startsWith("TODO " + todo + " is not done yet")).findFirst()
                    .ifPresent(note -> fail("The stream says: " + note + "\n  " + hint));
        }
    }

    /** The first event of a stream, or at once a failure if the stream says the welcome is still a TODO. */
    private ServerSentEvent firstEvent(EventStream stream, String hint) {
        stream.awaitRaw(raw -> raw.contains("\n\n") || stubSaid(2), WITHIN, hint); // an event has come, or the stub's note
        failIfStubSaid(2, hint);
        return stream.next(WITHIN, hint);
    }

    private void awaitClients(int count, String hint) {
        Await.until(() -> {
            failIfStubSaid(1, count + " client(s) should be in the registry. " + hint);
            return lesson.clients() == count;
        }, WITHIN, () -> count + " client(s) should be in the registry, but " + lesson.clients() + " are. " + hint);
    }

    private int clientsByHttp() {
        HttpResponse<String> answer = server.get("/clients");
        assertEquals(200, answer.statusCode(), "GET /clients: " + answer.body());
        try {
            return JSON.readTree(answer.body()).get("clients").asInt();
        } catch (IOException e) {
            throw new UncheckedIOException("GET /clients did not answer JSON: " + answer.body(), e);
        }
    }

    private void awaitClientsByHttp(int count, String hint) {
        AtomicReference<Integer> last = new AtomicReference<>();
        Await.until(() -> {
            failIfStubSaid(1, hint);
            last.set(clientsByHttp());
            return last.get() == count;
        }, WITHIN, () -> "GET /clients should say " + count + ", but says " + last.get() + ". " + hint);
    }

    private HttpResponse<String> post(String json) {
        return server.post("/movies", "application/json", json);
    }

    /** A movie's data exactly as the server sends it: Jackson writes a record's fields in order. */
    static String movieJson(long id, String title, int year) {
        try {
            return JSON.writeValueAsString(JSON.createObjectNode().put("id", id).put("title", title).put("year", year));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String escape(String text) {
        return '"' + text.replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "\\0") + '"';
    }
}
