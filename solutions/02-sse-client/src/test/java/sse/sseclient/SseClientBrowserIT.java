package sse.sseclient;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.Browser;
import sse.check.TestServer;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lesson 02 in a real browser: run with ./mvnw verify -Pbrowser (needs Chromium). */
class SseClientBrowserIT {

    @Test
    @DisplayName("in headless Chromium the page shows the welcome, the ticks with their ids, and the unnamed events")
    void pageShowsEvents() {
        SseClientApp lesson = new SseClientApp(new SseClientApp.Options(Duration.ofMillis(100), 2, Clock.systemUTC()));
        try (TestServer server = TestServer.start(lesson.create()); Browser browser = Browser.start()) {
            browser.open(server.uri("/").toString());
            browser.awaitText("#tick-count", count -> !count.isEmpty() && Integer.parseInt(count) >= 4, Duration.ofSeconds(10));
            assertEquals("Welcome, client 1!\nA tick comes every 100 ms.\nThis text has three lines.", browser.text("#welcome"),
                    "the welcome's line breaks should survive the trip");
            assertEquals("open", browser.text("#state"));
            assertTrue(browser.count("#messages li") >= 1, "every second tick sends an unnamed event to onmessage");
            // The unnamed event has no id: line, but the last id seen carries over: the doc says the page shows it.
            assertTrue(browser.text("#messages li .id").matches("id \\d+"),
                    "an unnamed event shows the id of the tick before it, got: " + browser.text("#messages li"));
            assertTrue(browser.text("#ticks li").contains("#"), "ticks are listed: " + browser.text("#ticks li"));
            // Read both in one script: a tick may arrive between two separate reads.
            assertEquals(List.of(true), List.of(browser.script("return document.getElementById('tick-count').textContent"
                    + " === document.getElementById('last-id').textContent")), "the last id shown is the last tick's number");
        }
    }
}
