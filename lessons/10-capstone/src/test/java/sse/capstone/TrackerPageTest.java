package sse.capstone;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import sse.check.PageCheck;

import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lesson 10's pages, read with jsoup: what they open, what they write to, and that they write text only. */
class TrackerPageTest {

    private static final Pattern OPENS = Pattern.compile("new\\s+EventSource\\s*\\(");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"customer.html", "courier.html", "dispatcher.html"})
    @DisplayName("each view opens one EventSource to /events, with no id in it, listens for every event, and writes only text")
    void view(String file) {
        PageCheck page = PageCheck.of(TrackerApp.LESSON, file);
        page.assertOpensEventSource("/events");
        page.assertListensFor("deliveries", "position", "status", "error");
        page.assertElementsExist("who", "state", "last-id", "signout", "map", "deliveries", "log");
        page.assertWritesTextOnly();
        String script = page.script();
        assertEquals(1, OPENS.matcher(script).results().count(), file + " opens one stream: every delivery comes on it");
        assertTrue(script.contains("\"signed out\""), file + " says \"signed out\" when the stream is refused");
        assertTrue(script.contains("createElementNS"), file + " draws the route in SVG, element by element");
        assertEquals("svg", page.document().getElementById("map").tagName(), "the map is an SVG: no map service");
    }

    @Test
    @DisplayName("the sign-in page posts a form to /signin and shows a refusal as text")
    void signIn() {
        PageCheck page = PageCheck.of(TrackerApp.LESSON);
        page.assertElementsExist("signin-form", "name", "password", "signin-result");
        page.assertWritesTextOnly();
        assertEquals("/signin", page.document().getElementById("signin-form").attr("action"));
        assertEquals("post", page.document().getElementById("signin-form").attr("method"));
        assertEquals("password", page.document().getElementById("password").attr("type"));
    }
}
