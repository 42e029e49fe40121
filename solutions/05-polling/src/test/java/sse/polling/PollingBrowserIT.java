package sse.polling;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.Await;
import sse.check.Browser;
import sse.check.TestServer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sse.check.MovieFeed.JSON;
import static sse.check.MovieFeed.assertCreated;

/** Lesson 05 in a real browser: run with ./mvnw verify -Pbrowser (needs Chromium). */
class PollingBrowserIT {

    static final Duration WITHIN = Duration.ofSeconds(10);
    static final List<String> COLUMNS = List.of("sse", "short", "long");

    @Test
    @DisplayName("in headless Chromium each movie shows up in all three columns, and each column counts its requests and bytes")
    void threeColumns() throws Exception {
        PollingApp lesson = new PollingApp(PollingApp.Options.defaults());
        try (TestServer server = TestServer.start(lesson.create()); Browser browser = Browser.start()) {
            browser.open(server.uri("/?pollEvery=250").toString());
            browser.awaitText("#sse-state", "open"::equals, WITHIN);
            assertEquals("250", browser.text("#poll-every"), "the page shows how often it polls");
            Await.until(() -> lesson.stats().waitingLongPolls() == 1, WITHIN, () -> "the page's long poll should be waiting");
            browser.awaitText("#long-state", "waiting"::equals, WITHIN);

            List<String> titles = List.of("The Matrix", "<b>html</b> & Amélie 🎬", "Heat");
            for (int i = 0; i < titles.size(); i++) {
                String title = titles.get(i);
                int year = 1995 + i;
                if (i < 2) {
                    String movie = JSON.createObjectNode().put("title", title).put("year", year).toString();
                    assertCreated(server.post("/movies", "application/json", movie), "a post over HTTP");
                } else {
                    submit(browser, title, String.valueOf(year));
                    browser.awaitText("#form-result", text -> text.startsWith("Published as movie 3"), WITHIN);
                }
                for (String column : COLUMNS) {
                    browser.awaitText("#" + column + "-count", String.valueOf(i + 1)::equals, WITHIN);
                    String newest = browser.text("#" + column + "-movies li");
                    assertTrue(newest.contains(title + " (" + year + ")") && newest.contains("id " + (i + 1)),
                            column + ": the newest line shows movie " + (i + 1) + ", got " + newest);
                    assertTrue(browser.text("#" + column + "-delay-last").matches("-?\\d+ ms"),
                            column + ": the delay is shown in ms, got " + browser.text("#" + column + "-delay-last"));
                }
            }
            assertEquals(0, browser.count("li b"), "titles are shown as text: no <b> element is made from one");

            // While nothing happens, the short poll keeps asking; the stream and the long poll do not.
            int asked = Integer.parseInt(browser.text("#short-requests"));
            browser.awaitText("#short-requests", text -> Integer.parseInt(text) >= asked + 4, WITHIN);
            assertEquals("1", browser.text("#sse-requests"), "one stream, opened once");
            assertEquals("4", browser.text("#long-requests"), "one long poll at first, and one more after each of the 3 movies");

            // Payload bytes: the stream's event data and the long polls' bodies, exactly.
            List<String> movies = movieJson(server);
            int movieBytes = movies.stream().mapToInt(PollingBrowserIT::utf8).sum();
            assertEquals(String.valueOf(utf8("{\"clients\":1}") + movieBytes), browser.text("#sse-bytes"),
                    "SSE payload: the welcome's data and each movie's data");
            assertEquals(String.valueOf(movieBytes + 2 * movies.size()), browser.text("#long-bytes"),
                    "long polling payload: each answer is [movie]");
            assertTrue(Integer.parseInt(browser.text("#short-bytes")) > movieBytes + 2 * movies.size(),
                    "short polling payload: the movies, and a [] for every poll that found nothing");
        }
    }

    /** The movies as the server writes them, one JSON text each. */
    private static List<String> movieJson(TestServer server) throws Exception {
        JsonNode all = JSON.readTree(server.get("/movies?after=0").body());
        return StreamSupport.stream(all.spliterator(), false).map(JsonNode::toString).toList();
    }

    private static int utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Fills in the form and presses its button, as a user would. */
    private static void submit(Browser browser, String title, String year) {
        browser.script("document.getElementById('title').value = arguments[0];"
                + "document.getElementById('year').value = arguments[1];"
                + "document.querySelector('#movie-form button[type=submit]').click();", title, year);
    }
}
