package sse.rawstream;

import io.javalin.Javalin;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.Browser;

import java.time.Clock;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lesson 01 in a real browser: run with ./mvnw verify -Pbrowser (needs Chromium). */
class RawStreamBrowserIT {

    @Test
    @DisplayName("in headless Chromium the page connects and shows the times as they arrive")
    void pageShowsEvents() {
        Javalin app = new RawStreamApp(new RawStreamApp.Options(Duration.ofMillis(200), Clock.systemUTC(), null))
                .create().start("127.0.0.1", 0);
        try (Browser browser = Browser.start()) {
            browser.open("http://127.0.0.1:" + app.port() + "/");
            browser.awaitText("#count", count -> !count.isEmpty() && Integer.parseInt(count) >= 3, Duration.ofSeconds(10));
            assertEquals("open", browser.text("#state"), "the EventSource should be open");
            assertTrue(browser.count("#events li") >= 3, "each event should be a line in #events");
            assertTrue(browser.text("#events li").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"),
                    "the newest line should be the time the server sent, was: " + browser.text("#events li"));
        } finally {
            app.stop();
        }
    }
}
