package sse.rawstream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.Browser;
import sse.check.TestServer;

import java.time.Clock;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lesson 01 in a real browser: run with ./mvnw verify -Pbrowser (needs Chromium). */
class RawStreamBrowserIT {

    @Test
    @DisplayName("in headless Chromium the page connects and shows the times as they arrive")
    void pageShowsEvents() {
        RawStreamApp lesson = new RawStreamApp(new RawStreamApp.Options(Duration.ofMillis(200), Clock.systemUTC(), null));
        try (TestServer server = TestServer.start(lesson.create()); Browser browser = Browser.start()) {
            browser.open(server.uri("/").toString());
            browser.awaitText("#count", count -> !count.isEmpty() && Integer.parseInt(count) >= 3, Duration.ofSeconds(10));
            assertEquals("open", browser.text("#state"), "the EventSource should be open");
            assertTrue(browser.count("#events li") >= 3, "each event should be a line in #events");
            assertTrue(browser.text("#events li").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"),
                    "the newest line should be the time the server sent, was: " + browser.text("#events li"));
        }
    }
}
