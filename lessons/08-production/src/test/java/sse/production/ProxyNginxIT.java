package sse.production;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import sse.check.Await;
import sse.check.EventStream;
import sse.check.MovieFeed;
import sse.check.Repository;
import sse.check.ServerSentEvent;
import sse.check.TestServer;
import sse.support.Nginx;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lesson 08 behind a real nginx: buffering and idle timeouts, measured. Run with
 * {@code ./mvnw verify -Pnginx} (needs nginx; the test starts and stops it, as you, on a free port).
 * Every delay is printed: these numbers are the ones docs/08-production.md discusses.
 */
class ProxyNginxIT {

    static final String EVENTS = "/events?topics=movies";
    static final Duration WITHIN = Duration.ofSeconds(5);
    static final int MOVIES = 10;
    static final Duration APART = Duration.ofMillis(200);
    /** What "at once" means here: far above a proxy's real delay (a few ms), far below a buffer's (until it fills). */
    static final Duration PROMPTLY = Duration.ofSeconds(1);
    static final Path LESSON_CONFIG = Path.of("solutions", "08-production", "nginx", "nginx.conf");

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final List<EventStream> streams = new ArrayList<>();

    @AfterEach
    void closeStreams() {
        streams.forEach(EventStream::close);
    }

    /** Opens a stream that is closed after the test. */
    private EventStream open(URI uri) {
        return kept(EventStream.open(uri));
    }

    private EventStream kept(EventStream stream) {
        streams.add(stream);
        return stream;
    }

    private static ProductionApp lesson(Duration heartbeatEvery) {
        return new ProductionApp(ProductionApp.Options.defaults().withHeartbeatEvery(heartbeatEvery));
    }

    // ---------------------------------------------------------------------------------------
    // Buffering
    // ---------------------------------------------------------------------------------------

    @Test
    @DisplayName("behind nginx's defaults with X-Accel-Buffering ignored, movies posted 200 ms apart are held back, then arrive in one burst")
    void bufferingHoldsEventsBack() throws Exception {
        ProductionApp app = lesson(Duration.ofSeconds(15));
        Nginx.Proxy buffering = Nginx.Proxy.defaults().ignoringAccelBuffering();
        try (TestServer server = TestServer.start(app.create()); Nginx nginx = Nginx.inFrontOf(server.uri(""), buffering)) {
            EventStream direct = open(server.uri(EVENTS)).expectEventStream("the lesson's own stream");
            // Not open(): nginx holds back even the response's headers, so a browser's EventSource never says "open".
            CompletableFuture<EventStream> throughNginx = EventStream.openLater(nginx.uri(EVENTS));
            Await.until(() -> app.clients() == 2, WITHIN, () -> "nginx should have opened the stream to the lesson at once: "
                    + app.clients() + " stream(s) open");

            Map<String, Long> posted = postMovies(server);
            long lastPost = posted.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            // The point is a duration: for a second after the last post, nothing comes through nginx.
            waitUntil(lastPost + PROMPTLY.toNanos());
            List<Duration> directDelays = delays(direct, posted);
            assertEquals(MOVIES, directDelays.size(), "every movie reaches the direct stream\n" + direct.describe());
            directDelays.forEach(delay -> assertTrue(delay.compareTo(PROMPTLY) < 0, "direct delays " + millis(directDelays)));
            assertFalse(throughNginx.isDone(), "with " + buffering + ", nginx holds everything back while it has less than"
                    + " a buffer's worth: not even the response's headers should have come through");

            // The stream ends (the lesson stops and ends each stream cleanly): nginx passes on what it held.
            server.close();
            EventStream proxied = kept(throughNginx.get(WITHIN.toMillis(), TimeUnit.MILLISECONDS))
                    .expectEventStream("what nginx held back is an event stream");
            proxied.awaitEnd(WITHIN, "the stream through nginx ends when the lesson's does");
            List<Duration> proxiedDelays = delays(proxied, posted);
            assertEquals(MOVIES, proxiedDelays.size(), "at the end, nginx passes every movie on\n" + proxied.describe());
            Duration burst = spread(proxied.arrivals());
            report("buffered (" + buffering + ")", proxiedDelays, directDelays);
            System.out.println("  the headers and all " + proxied.arrivals().size() + " events came through nginx within "
                    + burst.toMillis() + " ms of each other, when the stream ended");
            assertTrue(burst.compareTo(Duration.ofMillis(250)) < 0, "the held-back events arrive in one burst, but they"
                    + " were spread over " + burst.toMillis() + " ms (posted " + APART.toMillis() + " ms apart)");
            proxiedDelays.forEach(delay -> assertTrue(delay.compareTo(PROMPTLY) > 0,
                    "each movie through buffering nginx is late: " + millis(proxiedDelays)));
        }
    }

    static Stream<Arguments> unbuffered() {
        return Stream.of(
                Arguments.of("the lesson's settings (proxy_buffering off, HTTP/1.1)", Nginx.Proxy.forStreams()),
                Arguments.of("nginx's defaults, which honour the lesson's X-Accel-Buffering: no", Nginx.Proxy.defaults()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unbuffered")
    @DisplayName("through nginx without buffering, each movie arrives within a second of its post")
    void eventsPassUnbuffered(String name, Nginx.Proxy proxy) {
        ProductionApp app = lesson(Duration.ofSeconds(15));
        try (TestServer server = TestServer.start(app.create()); Nginx nginx = Nginx.inFrontOf(server.uri(""), proxy)) {
            EventStream direct = open(server.uri(EVENTS)).expectEventStream("the lesson's own stream");
            EventStream proxied = open(nginx.uri(EVENTS)).expectEventStream("through nginx");
            proxied.next(WITHIN, "the welcome comes through nginx at once");
            Await.until(() -> app.clients() == 2, WITHIN, () -> "both streams should have joined: " + app.clients());

            Map<String, Long> posted = postMovies(server);
            MovieFeed.movies(proxied, MOVIES, WITHIN, "every movie comes through nginx");
            MovieFeed.movies(direct, MOVIES, WITHIN, "every movie reaches the direct stream");
            List<Duration> proxiedDelays = delays(proxied, posted);
            List<Duration> directDelays = delays(direct, posted);
            report(name + " (" + proxy + ")", proxiedDelays, directDelays);
            proxiedDelays.forEach(delay -> assertTrue(delay.compareTo(PROMPTLY) < 0, "with " + proxy
                    + " each movie should pass at once, but the delays were " + millis(proxiedDelays)));
        }
    }

    // ---------------------------------------------------------------------------------------
    // Idle timeout and heartbeats
    // ---------------------------------------------------------------------------------------

    @Test
    @DisplayName("proxy_read_timeout 1s with a heartbeat every 5 s: nginx cuts the stream after a second of silence")
    void shortReadTimeoutCutsASilentStream() {
        ProductionApp app = lesson(Duration.ofSeconds(5));
        Nginx.Proxy proxy = Nginx.Proxy.forStreams().withReadTimeout(Duration.ofSeconds(1));
        try (TestServer server = TestServer.start(app.create()); Nginx nginx = Nginx.inFrontOf(server.uri(""), proxy)) {
            EventStream direct = open(server.uri(EVENTS)).expectEventStream("the lesson's own stream");
            EventStream proxied = open(nginx.uri(EVENTS)).expectEventStream("through nginx");
            proxied.next(WITHIN, "the welcome comes through nginx");
            long welcomed = proxied.arrivals().get(0).nanoTime();

            // Before the first heartbeat (5 s after the lesson started), nginx has given up waiting.
            proxied.awaitEnd(Duration.ofSeconds(4), "nginx should end a stream that is silent for longer than "
                    + "proxy_read_timeout (1 s)");
            Duration cut = Duration.ofNanos(System.nanoTime() - welcomed);
            System.out.printf("%s: the stream through nginx was cut %d ms after its last bytes (the welcome)%n",
                    proxy, cut.toMillis());
            assertTrue(cut.compareTo(Duration.ofMillis(500)) > 0, "cut after " + cut.toMillis() + " ms: sooner than the timeout?");
            assertTrue(nginx.log().contains("upstream timed out"), "nginx says why it ended the stream:\n" + nginx.log());
            assertEquals(List.of(), proxied.comments(), "no heartbeat came before the cut");
            assertFalse(direct.ended(), "the lesson itself keeps its streams open: only nginx cut this one\n" + direct.describe());
        }
    }

    @Test
    @DisplayName("proxy_read_timeout 2s with a heartbeat every 500 ms: the stream lives on for 5 s and still delivers a movie")
    void heartbeatsKeepTheStreamAlive() {
        ProductionApp app = lesson(Duration.ofMillis(500));
        Nginx.Proxy proxy = Nginx.Proxy.forStreams().withReadTimeout(Duration.ofSeconds(2));
        Duration window = Duration.ofSeconds(5);
        try (TestServer server = TestServer.start(app.create()); Nginx nginx = Nginx.inFrontOf(server.uri(""), proxy)) {
            EventStream proxied = open(nginx.uri(EVENTS)).expectEventStream("through nginx");
            proxied.next(WITHIN, "the welcome comes through nginx");
            long opened = System.nanoTime();

            // The point is a duration: for 5 s (2.5 read timeouts), the stream must not end. Stop watching if it does.
            Await.until(() -> proxied.ended() || System.nanoTime() - opened >= window.toNanos(), window.plusSeconds(1),
                    () -> "the " + window.toMillis() + " ms window should have passed");
            assertFalse(proxied.ended(), "heartbeats every 500 ms should keep nginx from timing out, but the stream ended\n"
                    + proxied.describe() + "\nnginx's log:\n" + nginx.log());
            int pings = proxied.comments().size();
            System.out.printf("%s, heartbeat every 500 ms: open after %d ms, %d pings received%n",
                    proxy, window.toMillis(), pings);
            assertTrue(pings >= 5, "about ten heartbeats in 5 s come through nginx, but only " + pings + " did");

            server.post("/movies", "application/json", "{\"title\":\"Heat\",\"year\":1995}");
            ServerSentEvent movie = MovieFeed.movies(proxied, 1, WITHIN, "a movie posted after 5 s still comes through").get(0);
            assertTrue(movie.data().contains("\"Heat\""), movie.toString());
            assertFalse(nginx.log().contains("upstream timed out"), "nginx should not have timed out:\n" + nginx.log());
        }
    }

    // ---------------------------------------------------------------------------------------
    // The lesson's own config
    // ---------------------------------------------------------------------------------------

    @Test
    @DisplayName("the lesson's nginx.conf works as it is: a movie posted through it from the page's origin comes back through it")
    void lessonConfigWorks() throws Exception {
        String config = Files.readString(Repository.root().resolve(LESSON_CONFIG));
        Matcher timeout = Pattern.compile("(?m)^\\s*proxy_read_timeout (\\d+)s;").matcher(config);
        assertTrue(timeout.find(), "the lesson's config sets proxy_read_timeout in seconds");
        Duration heartbeat = ProductionApp.Options.defaults().heartbeatEvery();
        assertTrue(Duration.ofSeconds(Long.parseLong(timeout.group(1))).compareTo(heartbeat.multipliedBy(2)) >= 0,
                "proxy_read_timeout " + timeout.group(1) + "s should outlast two of the lesson's heartbeats (" + heartbeat + ")");

        ProductionApp app = lesson(Duration.ofSeconds(15));
        try (TestServer server = TestServer.start(app.create())) {
            // Only the two addresses change: its own port and the lesson's. Everything else runs as a learner runs it.
            String local = replaceOnce(replaceOnce(config, "listen 127.0.0.1:8080;", "listen " + Nginx.LISTEN + ";"),
                    "proxy_pass http://127.0.0.1:7070;", "proxy_pass http://127.0.0.1:" + server.uri("").getPort() + ";");
            try (Nginx nginx = Nginx.start(local)) {
                EventStream proxied = open(nginx.uri(EVENTS)).expectEventStream("through the lesson's nginx");
                assertEquals("no-cache", proxied.header("Cache-Control").orElse("(none)"), "nginx passes the headers on");
                proxied.next(WITHIN, "the welcome comes through nginx");

                // A page loaded through nginx posts with nginx's origin: the lesson must see that Host to accept it.
                URI page = nginx.uri("");
                HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(nginx.uri("/movies"))
                        .timeout(WITHIN)
                        .header("Content-Type", "application/json")
                        .header("Origin", page.getScheme() + "://" + page.getAuthority())
                        .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"Heat\",\"year\":1995}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                MovieFeed.assertCreated(answer, "proxy_set_header Host $http_host passes the page's Host on");
                ServerSentEvent movie = MovieFeed.movies(proxied, 1, WITHIN, "the movie comes back through nginx").get(0);
                JsonNode data = MovieFeed.JSON.readTree(movie.data());
                assertEquals("Heat", data.path("title").asText(), movie.toString());
            }
        }
    }

    // ---------------------------------------------------------------------------------------

    /**
     * Posts {@link #MOVIES} movies {@link #APART} apart, straight to the lesson (nginx only carries the
     * stream). The pacing is the experiment, so each post waits for its moment. Returns each movie's
     * id and the moment it was posted.
     */
    private static Map<String, Long> postMovies(TestServer server) {
        Map<String, Long> posted = new LinkedHashMap<>();
        long start = System.nanoTime();
        for (int i = 1; i <= MOVIES; i++) {
            waitUntil(start + APART.toNanos() * (i - 1));
            long at = System.nanoTime();
            HttpResponse<String> answer = server.post("/movies", "application/json", "{\"title\":\"movie " + i + "\",\"year\":1999}");
            MovieFeed.assertCreated(answer, "posting straight to the lesson");
            try {
                posted.put(MovieFeed.JSON.readTree(answer.body()).path("id").asText(), at);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + answer.body(), e);
            }
        }
        return posted;
    }

    /** A measurement window, where the point is a duration: returns at {@code deadline} ({@link System#nanoTime()}). */
    private static void waitUntil(long deadline) {
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(left);
        }
    }

    /** Each posted movie's delay from its post to its arrival on this stream, in the order they arrived. */
    private static List<Duration> delays(EventStream stream, Map<String, Long> posted) {
        List<Duration> delays = new ArrayList<>();
        for (EventStream.Arrival arrival : stream.arrivals()) {
            Long at = posted.get(arrival.event().lastEventId());
            if (arrival.event().type().equals("movie") && at != null) {
                delays.add(Duration.ofNanos(arrival.nanoTime() - at));
            }
        }
        return delays;
    }

    private static Duration spread(List<EventStream.Arrival> arrivals) {
        long first = arrivals.stream().mapToLong(EventStream.Arrival::nanoTime).min().orElseThrow();
        long last = arrivals.stream().mapToLong(EventStream.Arrival::nanoTime).max().orElseThrow();
        return Duration.ofNanos(last - first);
    }

    private static void report(String what, List<Duration> proxied, List<Duration> direct) {
        System.out.println(what + ": " + MOVIES + " movies posted " + APART.toMillis() + " ms apart");
        System.out.println("  delay through nginx, ms: " + millis(proxied));
        System.out.println("  delay direct, ms:        " + millis(direct));
    }

    private static List<Long> millis(List<Duration> delays) {
        return delays.stream().map(delay -> TimeUnit.NANOSECONDS.toMillis(delay.toNanos())).toList();
    }

    private static String replaceOnce(String text, String line, String replacement) {
        int at = text.indexOf(line);
        assertTrue(at >= 0 && text.indexOf(line, at + 1) < 0,
                "the lesson's nginx.conf should have the line \"" + line + "\" once (the test changes only that address)");
        return text.replace(line, replacement);
    }
}
