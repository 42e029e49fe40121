package sse.production;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import sse.check.Await;
import sse.check.Browser;
import sse.check.TestServer;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lesson 08 in a real browser: the six-connection limit of HTTP/1.1 and two ways around it (one stream
 * for several topics, and HTTP/2), and a background tab that lets its stream go and comes back without
 * a gap. Run with ./mvnw verify -Pbrowser (needs Chromium). What it measures goes to the test's output.
 */
@Timeout(60)
class ProductionBrowserIT {

    static final Duration WITHIN = Duration.ofSeconds(10);
    /** How long the test watches the seventh stream and the fetch not get a connection. */
    static final Duration BLOCKED_WINDOW = Duration.ofSeconds(2);
    /** How long the hidden page waits before it closes its stream (?hiddenMs=). */
    static final int HIDDEN_MS = 500;

    static final ObjectMapper JSON = new ObjectMapper();

    /** Heartbeats every 200 ms: a stream the browser has closed is noticed (and counted out) quickly. */
    private static ProductionApp.Options options() {
        return ProductionApp.Options.defaults().withHeartbeatEvery(Duration.ofMillis(200));
    }

    @Test
    @DisplayName("over HTTP/1.1 Chromium opens six streams: the seventh and a fetch wait until a stream is closed")
    void sixConnectionsOverHttp11() {
        ProductionApp lesson = new ProductionApp(options());
        try (TestServer server = TestServer.start(lesson.create()); Browser browser = Browser.start()) {
            browser.open(server.uri("/six.html?streams=7").toString());
            assertEquals("http/1.1", browser.awaitText("#protocol", text -> !text.equals("?"), WITHIN));
            browser.awaitText("#open-count", "6"::equals, WITHIN);
            browser.awaitText("#fetch-state", "waiting"::equals, WITHIN); // the page sends it after a second

            // The point is what does not happen: for the whole window, no seventh connection.
            List<String> sixOpen = List.of("open", "open", "open", "open", "open", "open", "connecting");
            long until = System.nanoTime() + BLOCKED_WINDOW.toNanos();
            while (System.nanoTime() < until) {
                assertEquals(sixOpen, states(browser), "six streams open, the seventh waits for a connection");
                assertEquals("waiting", browser.text("#fetch-state"), "the fetch waits for a connection too");
                assertEquals(6, streams(server), "the server holds six streams: the seventh request never left the browser");
            }
            double waited = now(browser);

            long closing = System.nanoTime();
            browser.script("document.getElementById('close-one').click();");
            browser.awaitText("#panel-7 .state", "open"::equals, WITHIN);
            long seventhAfter = millisSince(closing);
            assertEquals("closed", browser.text("#panel-1 .state"));
            // The connection goes to the request that asked first: the seventh stream, not the fetch.
            assertEquals("waiting", browser.text("#fetch-state"), "one stream closed frees one connection, for the seventh stream");

            closing = System.nanoTime();
            browser.script("document.getElementById('close-one').click();");
            String answered = browser.awaitText("#fetch-state", text -> text.startsWith("answered"), WITHIN);
            long fetchAfter = millisSince(closing);
            awaitStreams(server, 5, "two streams closed: the server counts them out at the next heartbeats");

            System.out.printf("HTTP/1.1, 7 streams: 6 open, the 7th and the fetch waited %.0f ms from the page's start"
                            + " until the test closed a stream; the 7th opened %d ms after the first close, the fetch"
                            + " was %s, %d ms after the second close%n",
                    waited, seventhAfter, answered, fetchAfter);
        }
    }

    @Test
    @DisplayName("over HTTP/2 (TLS, the lesson's own certificate) ten streams and the fetch all share one connection")
    void tenStreamsOverHttp2() {
        ProductionApp lesson = new ProductionApp(options().withTlsPort(0));
        try (TestServer server = TestServer.start(lesson.create());
             Browser browser = Browser.start("--ignore-certificate-errors")) { // the certificate is self-signed
            assertTrue(lesson.tlsPort() > 0, "the HTTPS port is open: " + lesson.tlsPort());
            browser.open("https://127.0.0.1:" + lesson.tlsPort() + "/six.html?streams=10");
            assertEquals("h2", browser.awaitText("#protocol", text -> !text.equals("?"), WITHIN),
                    "the page came over HTTP/2 (ALPN chose h2)");
            double allOpen = awaitAllOpen(browser, 10);
            assertEquals(Collections.nCopies(10, "open"), states(browser));
            String answered = browser.awaitText("#fetch-state", text -> text.startsWith("answered"), WITHIN);
            assertEquals(10, streams(server), "the server holds all ten streams");

            System.out.printf("HTTP/2, 10 streams: all open %.0f ms after the page's start; the fetch was %s%n",
                    allOpen, answered);
        }
    }

    @Test
    @DisplayName("one stream carries both topics: the page shows movies and stats, and the server counts one stream")
    void oneStreamForTwoTopics() throws Exception {
        ProductionApp lesson = new ProductionApp(options().withStatsEvery(Duration.ofMillis(200)));
        try (TestServer server = TestServer.start(lesson.create()); Browser browser = Browser.start()) {
            browser.open(server.uri("/").toString());
            browser.awaitText("#state", "open"::equals, WITHIN);
            // A stats event has come, and it counted one stream: the page's only one.
            browser.awaitText("#streams", "1"::equals, WITHIN);
            assertEquals("no", browser.text("#draining"));

            assertEquals(1, post(server, "Arrival").path("clients").asInt(), "the movie is queued for the page's stream");
            browser.awaitText("#movie-count", "1"::equals, WITHIN);
            assertEquals(List.of("Arrival (1999)"), titles(browser), "the movie came on the same stream as the stats");
            assertEquals(1, streams(server), "one stream for the page, whatever it carries");
        }
    }

    @Test
    @DisplayName("a hidden tab closes its stream, and when shown again resumes from its last id with no gap")
    void backgroundTabResumes() throws Exception {
        ProductionApp lesson = new ProductionApp(options());
        try (TestServer server = TestServer.start(lesson.create()); Browser browser = Browser.start()) {
            browser.open(server.uri("/?hiddenMs=" + HIDDEN_MS).toString());
            browser.awaitText("#state", "open"::equals, WITHIN);
            for (int i = 1; i <= 3; i++) {
                assertEquals(1, post(server, "movie " + i).path("clients").asInt());
            }
            browser.awaitText("#movie-count", "3"::equals, WITHIN);
            browser.awaitText("#last-id", "3"::equals, WITHIN);
            assertEquals(1, reloads(browser), "the page loaded the list once, after its welcome");

            // Another tab in front, as a user opens a link in a new tab: Chromium hides this one.
            // WebDriver stays with this page, so the test can still read it while it is hidden.
            String page = browser.window();
            long hiding = System.nanoTime();
            browser.script("window.open('about:blank', '_blank');");
            awaitVisibility(browser, "hidden");
            browser.awaitText("#state", "paused"::equals, WITHIN);
            long pausedAfter = millisSince(hiding);
            assertEquals("1", browser.text("#paused"));
            awaitStreams(server, 0, "the hidden page closed its stream");
            assertEquals(0, post(server, "movie 4").path("clients").asInt(), "movie 4 is posted while the page is away");
            assertEquals(0, post(server, "movie 5").path("clients").asInt(), "movie 5 is posted while the page is away");

            long showing = System.nanoTime();
            browser.switchTo(page); // back in front
            awaitVisibility(browser, "visible");
            browser.awaitText("#movie-count", "5"::equals, WITHIN);
            long resumedAfter = millisSince(showing);
            browser.awaitText("#state", "open"::equals, WITHIN);
            assertEquals(List.of("id 5", "id 4", "id 3", "id 2", "id 1"), ids(browser),
                    "all five movies, newest on top, each once: 4 and 5 were replayed after id 3");
            assertEquals(List.of("movie 5 (1999)", "movie 4 (1999)", "movie 3 (1999)", "movie 2 (1999)", "movie 1 (1999)"),
                    titles(browser));
            assertTrue(String.valueOf(browser.script("return source.url;")).endsWith("&lastEventId=3"),
                    "the new EventSource asked to resume after id 3: " + browser.script("return source.url;"));
            assertEquals(1, reloads(browser), "resumed by replay, not by loading the list again");
            assertEquals("5", browser.text("#last-id"));
            assertEquals("1", browser.text("#paused"));

            assertEquals(1, post(server, "movie 6").path("clients").asInt(), "the page streams again");
            browser.awaitText("#movie-count", "6"::equals, WITHIN);
            assertEquals(1, streams(server));

            System.out.printf("Background tab (hiddenMs=%d): stream closed %d ms after the tab was hidden;"
                    + " the two missed movies were shown %d ms after it was visible again%n", HIDDEN_MS, pausedAfter, resumedAfter);
        }
    }

    /** Each panel's state on six.html, in order: connecting, open or closed. */
    private static List<?> states(Browser browser) {
        return (List<?>) browser.script("return [...document.querySelectorAll('#panels li .state')].map(e => e.textContent);");
    }

    /** Polls six.html until {@code count} streams are open; returns the page's clock then (ms since it started). */
    private static double awaitAllOpen(Browser browser, int count) {
        long deadline = System.nanoTime() + WITHIN.toNanos();
        while (true) {
            List<?> openAndNow = (List<?>) browser.script(
                    "return [document.getElementById('open-count').textContent, performance.now()];");
            if (String.valueOf(count).equals(openAndNow.get(0))) {
                return ((Number) openAndNow.get(1)).doubleValue();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(openAndNow.get(0) + " of " + count + " streams open after "
                        + WITHIN.toMillis() + " ms: " + states(browser));
            }
        }
    }

    /** The page's clock: ms since it started loading. */
    private static double now(Browser browser) {
        return ((Number) browser.script("return performance.now();")).doubleValue();
    }

    private static void awaitVisibility(Browser browser, String visibility) {
        Await.until(() -> visibility.equals(browser.script("return document.visibilityState;")), WITHIN,
                () -> "the page's document.visibilityState should be " + visibility + ", but is "
                        + browser.script("return document.visibilityState;"));
    }

    /** The movies' ids as the page shows them, top first. */
    private static List<?> ids(Browser browser) {
        return (List<?>) browser.script("return [...document.querySelectorAll('#movies li .id')].map(e => e.textContent);");
    }

    /** The movies' titles and years as the page shows them, top first. */
    private static List<?> titles(Browser browser) {
        return (List<?>) browser.script("return [...document.querySelectorAll('#movies li')].map(e => e.lastChild.textContent);");
    }

    /** How many times the page has loaded the list with GET /movies (the browser's resource timing counts them). */
    private static int reloads(Browser browser) {
        return ((Number) browser.script("return performance.getEntriesByType('resource')"
                + ".filter(e => new URL(e.name).pathname === '/movies').length;")).intValue();
    }

    /** The number of streams the server holds now, asked directly (not through the browser). */
    private static int streams(TestServer server) {
        HttpResponse<String> stats = server.get("/stats");
        assertEquals(200, stats.statusCode(), "GET /stats: " + stats.body());
        try {
            return JSON.readTree(stats.body()).path("streams").asInt(-1);
        } catch (Exception e) {
            throw new AssertionError("GET /stats is not JSON: " + stats.body(), e);
        }
    }

    private static void awaitStreams(TestServer server, int count, String why) {
        Await.until(() -> streams(server) == count, WITHIN,
                () -> why + ": expected " + count + " streams on the server, it has " + streams(server));
    }

    /** POSTs a movie and returns the server's answer: {"id": ..., "clients": ...}. */
    private static JsonNode post(TestServer server, String title) throws Exception {
        HttpResponse<String> answer = server.post("/movies", "application/json",
                JSON.createObjectNode().put("title", title).put("year", 1999).toString());
        assertEquals(201, answer.statusCode(), title + ": " + answer.body());
        return JSON.readTree(answer.body());
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
