package sse.cleanup;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.Browser;
import sse.check.TestServer;

import java.time.Clock;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lesson 03 in a real browser: run with ./mvnw verify -Pbrowser (needs Chromium). */
class CleanupBrowserIT {

    static final Duration WITHIN = Duration.ofSeconds(10);

    @Test
    @DisplayName("in headless Chromium the page shows readings and live stats, and Disconnect brings the server back to zero")
    void disconnectCleansUp() {
        CleanupApp lesson = new CleanupApp(new CleanupApp.Options(Duration.ofMillis(100), Duration.ofMillis(200), Clock.systemUTC()));
        try (TestServer server = TestServer.start(lesson.create()); Browser browser = Browser.start()) {
            browser.open(server.uri("/").toString());
            browser.awaitText("#count", count -> !count.isEmpty() && Integer.parseInt(count) >= 3, WITHIN);
            assertTrue(browser.text("#readings li").contains("°C at "), "a reading is listed: " + browser.text("#readings li"));
            browser.awaitText("#open-streams", "1"::equals, WITHIN);
            browser.awaitText("#scheduled-tasks", "2"::equals, WITHIN);

            browser.script("document.getElementById('toggle').click()");
            browser.awaitText("#open-streams", "0"::equals, WITHIN);
            browser.awaitText("#scheduled-tasks", "0"::equals, WITHIN);

            browser.script("document.getElementById('toggle').click()");
            browser.awaitText("#open-streams", "1"::equals, WITHIN);
        }
    }
}
