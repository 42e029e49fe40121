package sse.reconnection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.Browser;
import sse.check.TestServer;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lesson 07 in a real browser: run with ./mvnw verify -Pbrowser (needs Chromium). */
class ReconnectionBrowserIT {

    static final Duration WITHIN = Duration.ofSeconds(10);
    /** Short, so the test does not wait long for the browser to come back. */
    static final Duration RETRY = Duration.ofMillis(300);

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    @DisplayName("in headless Chromium the page comes back after a drop with no gap, and stops for good on a 204")
    void reconnectsWithoutGapAndStopsOn204() throws Exception {
        ReconnectionApp lesson = new ReconnectionApp(new ReconnectionApp.Options(Duration.ofSeconds(15), 4096, 1000, RETRY));
        try (TestServer server = TestServer.start(lesson.create()); Browser browser = Browser.start()) {
            browser.open(server.uri("/").toString());
            browser.awaitText("#state", "open"::equals, WITHIN);
            browser.awaitText("#retry", "300 ms"::equals, WITHIN);
            for (int i = 1; i <= 3; i++) {
                post(server, "movie " + i);
            }
            browser.awaitText("#movie-count", "3"::equals, WITHIN);
            browser.awaitText("#last-id", "3"::equals, WITHIN);

            post(server, "/admin/drop");
            // The page waits the retry (300 ms) before it comes back: these two go to nobody, only to the history.
            assertEquals(0, post(server, "movie 4").path("clients").asInt(), "movie 4 is posted while the page is away");
            assertEquals(0, post(server, "movie 5").path("clients").asInt(), "movie 5 is posted while the page is away");

            browser.awaitText("#movie-count", "5"::equals, WITHIN);
            assertEquals(List.of("id 5", "id 4", "id 3", "id 2", "id 1"), ids(browser),
                    "all five movies, newest on top, each once: 4 and 5 were replayed after Last-Event-ID: 3");
            assertEquals("1", browser.text("#reconnects"), "the page counts its one reconnection");
            assertEquals("open", browser.text("#state"));
            assertEquals("5", browser.text("#last-id"));

            post(server, "/admin/close"); // ends the streams too: the page comes back and meets the 204
            browser.awaitText("#state", "closed"::equals, WITHIN);
            String reconnects = browser.text("#reconnects");
            // Five retries' worth of time: a browser that still reconnected would show "connecting" or "open".
            long until = System.nanoTime() + RETRY.multipliedBy(5).toNanos();
            while (System.nanoTime() < until) {
                assertEquals("closed", browser.text("#state"), "after a 204 the EventSource stays closed");
            }
            assertEquals(reconnects, browser.text("#reconnects"), "no reconnection after a 204");
            assertEquals(0, lesson.clients(), "no stream is open while the feed is closed");

            post(server, "/admin/open");
            browser.script("document.getElementById('reopen').click();");
            browser.awaitText("#state", "open"::equals, WITHIN);
            assertEquals("5", browser.text("#movie-count"), "a new EventSource after reopening: the list is still whole");
            assertEquals(reconnects, browser.text("#reconnects"), "opening a new EventSource by hand is not a reconnection");
        }
    }

    private static List<?> ids(Browser browser) {
        return (List<?>) browser.script("return [...document.querySelectorAll('#movies li .id')].map(e => e.textContent);");
    }

    /** POSTs a movie (a title) or to an admin path (a path starting with /), and returns the JSON answer. */
    private static JsonNode post(TestServer server, String titleOrPath) throws Exception {
        boolean admin = titleOrPath.startsWith("/");
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(admin ? titleOrPath : "/movies")).timeout(WITHIN);
        if (admin) {
            request.POST(HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                    JSON.createObjectNode().put("title", titleOrPath).put("year", 1999).toString()));
        }
        HttpResponse<String> answer = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(admin ? 200 : 201, answer.statusCode(), titleOrPath + ": " + answer.body());
        return JSON.readTree(answer.body());
    }
}
