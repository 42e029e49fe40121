package sse.production;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.PageCheck;

import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lesson 08's two pages, read with jsoup: what they open, what they write to, and that they write text only. */
class ProductionPageTest {

    private static final Pattern OPENS = Pattern.compile("new\\s+EventSource\\s*\\(");

    @Test
    @DisplayName("the page opens one EventSource for both topics, listens for each event, and writes only text")
    void page() {
        PageCheck page = PageCheck.of(ProductionApp.LESSON);
        page.assertOpensEventSource("/events?topics=movies,stats");
        page.assertListensFor("welcome", "movie", "reset", "stats", "visibilitychange");
        page.assertElementsExist("state", "protocol", "last-id", "retry", "movie-count", "paused", "streams",
                "cut-off", "queued", "draining", "movie-form", "title", "year", "form-result", "movies");
        page.assertWritesTextOnly();
        String script = page.script();
        assertEquals(1, OPENS.matcher(script).results().count(),
                "index.html opens one EventSource: both topics come on one stream, one connection");
        assertTrue(script.contains("\"&lastEventId=\""),
                "after a pause the page resumes with ?lastEventId= in the URL (a new EventSource cannot set the header)");
        assertTrue(script.contains("fetch(\"/movies\")"), "on welcome and reset the page loads the list with fetch(\"/movies\")");
    }

    @Test
    @DisplayName("six.html opens one EventSource per panel, fetches /stats, and writes only text")
    void sixPage() {
        PageCheck page = PageCheck.of(ProductionApp.LESSON, "six.html");
        page.assertOpensEventSource("/events?topics=movies");
        page.assertListensFor("open", "error", "click");
        page.assertElementsExist("protocol", "open-count", "stream-count", "fetch-state", "panels", "close-one");
        page.assertWritesTextOnly();
        String script = page.script();
        assertTrue(script.contains("fetch(\"/stats\")"), "six.html makes one more request to the site: fetch(\"/stats\")");
        assertTrue(script.contains("nextHopProtocol"), "six.html shows the protocol the page came over (http/1.1 or h2)");
    }
}
