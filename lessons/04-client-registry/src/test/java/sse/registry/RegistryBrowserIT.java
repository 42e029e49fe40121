package sse.registry;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.Browser;
import sse.check.TestServer;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static sse.check.MovieFeed.assertCreated;

/** Lesson 04 in a real browser: run with ./mvnw verify -Pbrowser (needs Chromium). */
class RegistryBrowserIT {

    static final Duration WITHIN = Duration.ofSeconds(10);

    @Test
    @DisplayName("in headless Chromium the form posts a movie, the list shows it as text, and so does a movie posted over HTTP")
    void formAndListWork() throws Exception {
        RegistryApp lesson = new RegistryApp(RegistryApp.Options.defaults());
        try (TestServer server = TestServer.start(lesson.create()); Browser browser = Browser.start()) {
            browser.open(server.uri("/").toString());
            browser.awaitText("#state", "open"::equals, WITHIN);
            browser.awaitText("#client-count", "1"::equals, WITHIN);

            String html = "<b>html</b> & Amélie 🎬";
            submit(browser, html, "2001");
            browser.awaitText("#movies li", text -> text.contains(html + " (2001)"), WITHIN);
            assertEquals(0, browser.count("#movies li b"), "the title is shown as text: no <b> element is made from it");
            browser.awaitText("#form-result", text -> text.startsWith("Sent to 1 client(s)"), WITHIN);

            submit(browser, "   ", "1999");
            browser.awaitText("#form-result", text -> text.startsWith("400: title must not be blank"), WITHIN);
            submit(browser, "The Matrix", "1999.5");
            browser.awaitText("#form-result", text -> text.startsWith("400: year must be"), WITHIN);
            assertEquals(1, browser.count("#movies li"), "refused movies are not listed");

            assertCreated(server.post("/movies", "application/json", "{\"title\":\"Posted by the test\",\"year\":1999}"),
                    "a post over HTTP");
            browser.awaitText("#movies li", text -> text.contains("Posted by the test (1999)"), WITHIN);
            assertEquals("2", browser.text("#movie-count"));
            assertEquals("movie", browser.text("#movies li .type"));
            assertEquals("id 2", browser.text("#movies li .id"));
        }
    }

    /** Fills in the form and presses its button, as a user would. */
    private static void submit(Browser browser, String title, String year) {
        browser.script("document.getElementById('title').value = arguments[0];"
                + "document.getElementById('year').value = arguments[1];"
                + "document.querySelector('#movie-form button[type=submit]').click();", title, year);
    }
}
