package sse.websocket;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.Browser;
import sse.check.TestServer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lesson 06 in a real browser: run with ./mvnw verify -Pbrowser (needs Chromium). */
class WebSocketBrowserIT {

    static final Duration WITHIN = Duration.ofSeconds(10);

    @Test
    @DisplayName("in headless Chromium a posted movie shows up over SSE and over the socket, and a chat goes round")
    void moviesAndChat() throws Exception {
        WebSocketApp lesson = new WebSocketApp(WebSocketApp.Options.defaults());
        try (TestServer server = TestServer.start(lesson.create()); Browser browser = Browser.start()) {
            browser.open(server.uri("/").toString());
            browser.awaitText("#ws-state", "open"::equals, WITHIN);
            browser.awaitText("#sse-state", "open"::equals, WITHIN);

            HttpResponse<String> posted = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.uri("/movies"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"<b>Heat</b>\",\"year\":1995}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, posted.statusCode(), posted.body());
            browser.awaitText("#sse-movies li", text -> text.contains("<b>Heat</b> (1995)"), WITHIN);
            browser.awaitText("#ws-movies li", text -> text.contains("<b>Heat</b> (1995)"), WITHIN);

            browser.script("document.getElementById('chat-text').value = arguments[0];"
                    + "document.querySelector('#chat-form button').click();", "hello from the browser <i>!</i>");
            browser.awaitText("#chat li", text -> text.contains("hello from the browser <i>!</i>"), WITHIN);
            assertEquals(0, browser.count("#chat li i"), "the chat's HTML is shown as text, not parsed");

            browser.script("document.getElementById('chat-text').value = '   ';"
                    + "document.querySelector('#chat-form button').click();");
            browser.awaitText("#chat-result", text -> text.contains("not blank"), WITHIN);
            assertTrue(browser.text("#ws-state").equals("open"), "a bad message does not close the socket");
        }
    }
}
