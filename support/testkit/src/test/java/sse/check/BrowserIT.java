package sse.check;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks the browser driver itself against a tiny server made of the JDK alone.
 * Runs only with {@code ./mvnw -pl support verify -Pbrowser}, because it needs Chromium.
 */
@Timeout(60)
@DisplayName("The headless browser used by page checks")
class BrowserIT {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private static final String DELAYED_PAGE = """
            <!doctype html>
            <title>Delayed</title>
            <p id="out">waiting</p>
            <ul><li>one</li><li>two</li><li>three</li></ul>
            <script>
              setTimeout(() => { document.getElementById('out').textContent = 'ready'; }, 300);
            </script>
            """;

    private static final String EVENTS_PAGE = """
            <!doctype html>
            <title>Events</title>
            <ul id="log"></ul>
            <script>
              const source = new EventSource('/stream');
              source.onmessage = (event) => {
                const item = document.createElement('li');
                item.textContent = event.data;
                document.getElementById('log').append(item);
              };
            </script>
            """;

    private static ExecutorService threads;
    private static HttpServer server;
    private static String base;
    private static Browser browser;

    @BeforeAll
    @Timeout(30)
    static void startServerAndBrowser() throws IOException {
        // Several threads: the stream holds its exchange open while the browser asks for more.
        threads = Executors.newCachedThreadPool();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(threads);
        server.createContext("/delayed", exchange -> send(exchange, DELAYED_PAGE));
        server.createContext("/events", exchange -> send(exchange, EVENTS_PAGE));
        server.createContext("/stream", BrowserIT::stream);
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        browser = Browser.start();
    }

    @AfterAll
    @Timeout(30)
    static void stopBrowserAndServer() {
        if (browser != null) {
            browser.close();
        }
        if (server != null) {
            server.stop(0);
        }
        if (threads != null) {
            threads.shutdownNow();
        }
    }

    @Test
    @DisplayName("sees text that a script writes a moment after the page has loaded")
    void waitsForScriptText() {
        browser.open(base + "/delayed");

        assertEquals("ready", browser.awaitText("#out", "ready"::equals, WAIT));
        assertEquals(3, browser.count("li"));
        assertEquals(0, browser.count(".nothing"));
        assertEquals("", browser.text("#nothing"));
    }

    @Test
    @DisplayName("sees a message that arrived through EventSource")
    void seesServerSentEvent() {
        browser.open(base + "/events");

        assertEquals("hello", browser.awaitText("#log li", "hello"::equals, WAIT));
        assertEquals(1, browser.count("#log li"));
    }

    @Test
    @DisplayName("gives up waiting after the timeout and says what the text was")
    void awaitTextTimesOut() {
        browser.open(base + "/delayed");
        long started = System.nanoTime();

        AssertionError error = assertThrows(AssertionError.class,
                () -> browser.awaitText("ul li", "never"::equals, Duration.ofMillis(400)));

        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(error.getMessage().contains("\"ul li\"") && error.getMessage().contains("\"one\"")
                && error.getMessage().contains("400 ms"), error.getMessage());
        assertTrue(tookMillis < 3_000, "waited " + tookMillis + " ms");
    }

    @Test
    @DisplayName("hands back what a script returns as plain Java values")
    void convertsScriptResults() {
        browser.open(base + "/delayed");

        assertEquals(5, browser.script("return arguments[0] + arguments[1];", 2, 3));
        assertEquals(Arrays.asList("a", true, null, List.of(1), Map.of("error", "not really")),
                browser.script("return ['a', true, null, [1], {error: 'not really'}];"));
    }

    @Test
    @DisplayName("turns an error thrown by a script into an exception that shows it")
    void reportsScriptErrors() {
        browser.open(base + "/delayed");

        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> browser.script("throw new Error('boom');"));

        assertTrue(error.getMessage().contains("javascript error") && error.getMessage().contains("boom"),
                error.getMessage());
    }

    @Test
    @DisplayName("hides a page while another tab is in front, and shows it again when switched back to")
    void hidesAndShowsTabs() {
        browser.open(base + "/delayed");
        String page = browser.window();

        browser.script("window.other = window.open('about:blank', '_blank');");
        // Commands still go to the page, now in the background.
        awaitVisibility("hidden");
        browser.switchTo(page);
        awaitVisibility("visible");

        assertEquals(page, browser.window());
        browser.script("window.other.close();");
    }

    @Test
    @DisplayName("starts Chromium with extra flags")
    void startsWithFlags() {
        try (Browser flagged = Browser.start("--user-agent=sse-workshop-check")) {
            flagged.open(base + "/delayed");
            assertEquals("sse-workshop-check", flagged.script("return navigator.userAgent;"));
        }
    }

    @Test
    @DisplayName("saves a screenshot as a PNG file")
    void takesScreenshot(@TempDir Path dir) throws IOException {
        browser.open(base + "/delayed");
        Path png = dir.resolve("page.png");

        browser.screenshot(png);

        byte[] signature = {(byte) 0x89, 'P', 'N', 'G'};
        assertArrayEquals(signature, Arrays.copyOf(Files.readAllBytes(png), 4));
    }

    @Test
    @DisplayName("stops chromedriver and Chromium when closed, and may be closed twice")
    void closeStopsEverything() {
        List<ProcessHandle> before = ProcessHandle.current().descendants().toList();
        // The shared browser's chromedriver, with everything else this JVM had started before.
        List<ProcessHandle> earlier = ProcessHandle.current().children().toList();
        Browser second = Browser.start();
        List<ProcessHandle> started;
        try {
            // Only the second browser's processes: the shared one keeps running for the other tests, and
            // may start a helper of its own meanwhile (seen: two Chromium helpers), which is not ours to stop.
            started = ProcessHandle.current().descendants()
                    .filter(process -> !before.contains(process) && !descendsFrom(process, earlier)).toList();
            assertTrue(started.size() >= 2, "expected chromedriver and Chromium, found " + started.size());
        } finally {
            second.close();
        }
        second.close();

        List<ProcessHandle> running = running(started);
        assertTrue(running.isEmpty(), "still running after close: " + running.stream()
                .map(process -> process.pid() + " " + process.info().command().orElse("?")).toList());
    }

    private static void awaitVisibility(String state) {
        Await.until(() -> state.equals(browser.script("return document.visibilityState;")), WAIT,
                () -> "document.visibilityState is still " + browser.script("return document.visibilityState;"));
    }

    private static boolean descendsFrom(ProcessHandle process, List<ProcessHandle> ancestors) {
        for (Optional<ProcessHandle> parent = process.parent(); parent.isPresent(); parent = parent.get().parent()) {
            if (ancestors.contains(parent.get())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The processes that have not ended. An ended process whose parent died can linger as a zombie
     * until the system reaps it; isAlive() still says true for it, but it has no command any more.
     */
    private static List<ProcessHandle> running(List<ProcessHandle> processes) {
        return processes.stream()
                .filter(process -> process.isAlive() && process.info().command().isPresent())
                .toList();
    }

    private static void send(HttpExchange exchange, String html) throws IOException {
        byte[] body = html.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** One event, then the stream stays open a while, as a real one would. */
    private static void stream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            // A long retry, so the browser does not reconnect and add a second "hello" while we look.
            out.write("retry: 60000\ndata: hello\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            Thread.sleep(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
