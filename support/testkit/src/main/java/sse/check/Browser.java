package sse.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A tiny headless-Chromium driver for page tests.
 *
 * <p>It speaks the W3C WebDriver protocol (plain HTTP and JSON) to {@code chromedriver}, which in
 * turn runs Chromium. Nothing is downloaded: both programs must be installed, e.g. on Debian or
 * Ubuntu with {@code sudo apt-get install chromium chromium-driver}.
 *
 * <pre>{@code
 * try (Browser browser = Browser.start()) {
 *     browser.open("http://127.0.0.1:7070/");
 *     browser.awaitText("#status", "open"::equals, Duration.ofSeconds(5));
 * }
 * }</pre>
 */
public final class Browser implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Every call to chromedriver is bounded, so a stuck browser fails a test instead of hanging it. */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    /** The driver gives up on a page or a script before our HTTP call does, with a clearer error. */
    private static final int PAGE_AND_SCRIPT_TIMEOUT_MILLIS = 20_000;
    private static final Duration DRIVER_READY_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(50);

    // Chromium's flags. No internet here: the "background" ones stop it calling home and being refused.
    private static final List<String> CHROME_ARGS = List.of(
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions");

    // HTTP/1.1: chromedriver does not speak HTTP/2, so skip the upgrade attempt.
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    // Filled in step by step by start(), so close() can undo whatever got done.
    private Path tempDir;
    private Path log;
    private Process driver;
    private String baseUrl;
    private String session;
    private boolean closed;

    private Browser() {
    }

    /**
     * Starts chromedriver and a fresh headless Chromium session.
     *
     * <p>The programs are found through the system properties {@code chrome.binary} and
     * {@code chromedriver.binary}, else the environment variables {@code CHROME_BIN} and
     * {@code CHROMEDRIVER}, else on the {@code PATH}.
     *
     * @throws IllegalStateException if Chromium or chromedriver is missing or does not start
     */
    public static Browser start() {
        return start(new String[0]);
    }

    /**
     * Like {@link #start()}, with more of Chromium's command-line flags, e.g.
     * {@code "--ignore-certificate-errors"} for a server whose certificate it made itself.
     */
    public static Browser start(String... chromiumFlags) {
        Optional<Path> chrome = locate("chrome.binary", "CHROME_BIN",
                "chromium", "chromium-browser", "google-chrome", "google-chrome-stable");
        Optional<Path> chromedriver = locate("chromedriver.binary", "CHROMEDRIVER", "chromedriver");
        if (chrome.isEmpty() || chromedriver.isEmpty()) {
            throw new IllegalStateException(missing(chrome.isEmpty(), chromedriver.isEmpty()));
        }
        Browser browser = new Browser();
        try {
            browser.launch(chrome.get(), chromedriver.get(), List.of(chromiumFlags));
            return browser;
        } catch (IOException | RuntimeException e) {
            String tail = browser.logTail();
            browser.close();
            throw new IllegalStateException("Could not start headless Chromium: " + e.getMessage() + tail, e);
        }
    }

    private void launch(Path chrome, Path chromedriver, List<String> extraFlags) throws IOException {
        tempDir = Files.createTempDirectory("sse-browser-");
        log = tempDir.resolve("chromedriver.log");
        int port = freePort();
        baseUrl = "http://127.0.0.1:" + port;
        // No --allowed-ips: even an empty one makes chromedriver listen on every interface, open to all.
        // --enable-chrome-logs passes on what Chromium prints, so a crash explains itself in the log.
        driver = new ProcessBuilder(chromedriver.toString(), "--port=" + port, "--enable-chrome-logs")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        awaitDriverReady();

        List<String> args = new ArrayList<>(CHROME_ARGS);
        args.addAll(extraFlags);
        args.add("--user-data-dir=" + Files.createDirectory(tempDir.resolve("profile")));
        Map<String, Object> capabilities = Map.of(
                "goog:chromeOptions", Map.of("binary", chrome.toString(), "args", args),
                "timeouts", Map.of("pageLoad", PAGE_AND_SCRIPT_TIMEOUT_MILLIS,
                        "script", PAGE_AND_SCRIPT_TIMEOUT_MILLIS));
        Object created = call("POST", "/session", Map.of("capabilities", Map.of("alwaysMatch", capabilities)));
        session = String.valueOf(((Map<?, ?>) created).get("sessionId"));
    }

    /** Polls GET /status until chromedriver says it is ready, or gives up after a few seconds. */
    private void awaitDriverReady() {
        long deadline = System.nanoTime() + DRIVER_READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!driver.isAlive()) {
                throw new IllegalStateException("chromedriver exited with code " + driver.exitValue());
            }
            try {
                HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/status"))
                        .timeout(Duration.ofSeconds(1)).GET().build();
                JsonNode status = JSON.readTree(http.send(request, HttpResponse.BodyHandlers.ofString()).body());
                if (status.path("value").path("ready").asBoolean()) {
                    return;
                }
            } catch (IOException notListeningYet) {
                // keep polling
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for chromedriver");
            }
            pause(Duration.ofMillis(100));
        }
        throw new IllegalStateException("chromedriver was not ready after " + DRIVER_READY_TIMEOUT.toSeconds() + " s");
    }

    /**
     * Navigates to {@code url} and waits until the page has loaded.
     *
     * @throws IllegalStateException if the page does not load
     */
    public void open(String url) {
        call("POST", "/session/" + session + "/url", Map.of("url", url));
    }

    /**
     * Runs JavaScript in the page, as the body of a function: use {@code return} to hand back a
     * value and {@code arguments[i]} to read {@code args}.
     *
     * @return the returned value as plain Java: String, Number, Boolean, List, Map or null
     * @throws IllegalStateException if the script throws
     */
    public Object script(String js, Object... args) {
        List<Object> arguments = args == null ? List.of() : Arrays.asList(args);
        return call("POST", "/session/" + session + "/execute/sync", Map.of("script", js, "args", arguments));
    }

    /** Returns the {@code textContent} of the first element matching {@code cssSelector}, or "" if none does. */
    public String text(String cssSelector) {
        return (String) script(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';", cssSelector);
    }

    /** Returns how many elements match {@code cssSelector}. */
    public int count(String cssSelector) {
        return ((Number) script("return document.querySelectorAll(arguments[0]).length;", cssSelector)).intValue();
    }

    /**
     * Polls {@link #text(String)} until {@code condition} holds, and returns that text.
     *
     * @throws AssertionError if the condition still does not hold when {@code timeout} has passed
     */
    public String awaitText(String cssSelector, Predicate<String> condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String text = text(cssSelector);
            if (condition.test(text)) {
                return text;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("The text of \"" + cssSelector + "\" was still \"" + text
                        + "\" after " + timeout.toMillis() + " ms: the expected text never appeared.");
            }
            pause(Duration.ofNanos(Math.min(left, POLL_INTERVAL.toNanos())));
        }
    }

    /** The handle of the window (tab) that commands go to now: what {@link #switchTo} takes. */
    public String window() {
        return (String) call("GET", "/session/" + session + "/window", null);
    }

    /**
     * Sends later commands to the window (tab) with this handle, and brings it to the front: the tab
     * that was in front is then hidden ({@code document.visibilityState} is {@code "hidden"}).
     *
     * @throws IllegalStateException if there is no such window
     */
    public void switchTo(String handle) {
        call("POST", "/session/" + session + "/window", Map.of("handle", handle));
    }

    /** Saves what the page looks like now as a PNG file (handy when a page test fails). */
    public void screenshot(Path png) {
        String base64 = (String) call("GET", "/session/" + session + "/screenshot", null);
        try {
            Path parent = png.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(png, Base64.getDecoder().decode(base64));
        } catch (IOException e) {
            throw new IllegalStateException("Could not write the screenshot to " + png + ": " + e.getMessage(), e);
        }
    }

    /** Ends the session, stops chromedriver and Chromium, and deletes the temporary files. Safe to call twice. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Note Chromium's processes now: while it quits, its helpers leave the family tree.
        List<ProcessHandle> processes = driver == null ? List.of() : driver.descendants().toList();
        if (session != null) {
            try {
                call("DELETE", "/session/" + session, null);
            } catch (RuntimeException ignored) {
                // the processes are killed below anyway
            }
        }
        if (driver != null) {
            stop(driver, processes);
        }
        if (tempDir != null) {
            deleteRecursively(tempDir);
        }
    }

    /** Sends one WebDriver command and returns its "value", or throws on a WebDriver error. */
    private Object call(String method, String path, Object body) {
        try {
            HttpRequest.BodyPublisher publisher = body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body));
            HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                    .timeout(CALL_TIMEOUT)
                    .header("Content-Type", "application/json; charset=utf-8")
                    .method(method, publisher)
                    .build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode value = JSON.readTree(response.body()).path("value");
            // Only a failure status means an error: a script may well return {error: ...} itself.
            if (response.statusCode() != 200) {
                throw new IllegalStateException(value.has("error")
                        ? "WebDriver error \"" + value.path("error").asText() + "\": " + value.path("message").asText()
                        : "chromedriver answered " + method + " " + path + " with HTTP " + response.statusCode());
            }
            return value.isMissingNode() ? null : JSON.treeToValue(value, Object.class);
        } catch (IOException e) {
            // While starting, start() adds the log itself.
            throw new IllegalStateException("chromedriver did not answer " + method + " " + path + ": " + e
                    + (session == null ? "" : logTail()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + method + " " + path, e);
        }
    }

    /** Kills chromedriver and everything it started (Chromium and its helper processes). */
    private static void stop(Process process, List<ProcessHandle> children) {
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            // Give them a few seconds to exit politely...
            process.waitFor(5, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (children.stream().anyMatch(Browser::running) && System.nanoTime() < deadline) {
                Thread.sleep(POLL_INTERVAL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // ...then insist.
        process.destroyForcibly();
        children.stream().filter(Browser::running).forEach(ProcessHandle::destroyForcibly);
    }

    /** A zombie (ended, not yet reaped by its new parent) counts as alive, but no longer has a command. */
    private static boolean running(ProcessHandle process) {
        return process.isAlive() && process.info().command().isPresent();
    }

    /** Finds a program: system property, else environment variable, else the first name found on PATH. */
    private static Optional<Path> locate(String property, String variable, String... names) {
        String source = System.getProperty(property) != null ? "-D" + property : variable;
        String configured = System.getProperty(property, System.getenv(variable));
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured);
            if (!Files.isExecutable(path)) {
                throw new IllegalStateException(source + " is set to " + configured
                        + ", which is not an executable file.");
            }
            return Optional.of(path);
        }
        boolean windows = System.getProperty("os.name", "").toLowerCase().startsWith("windows");
        String pathVariable = System.getenv().getOrDefault("PATH", "");
        for (String name : names) {
            for (String dir : pathVariable.split(File.pathSeparator)) {
                if (dir.isBlank()) {
                    continue;
                }
                for (String candidate : windows ? List.of(name + ".exe", name) : List.of(name)) {
                    Path path = Path.of(dir, candidate);
                    if (Files.isRegularFile(path) && Files.isExecutable(path)) {
                        return Optional.of(path);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static String missing(boolean chrome, boolean chromedriver) {
        String what = chrome && chromedriver ? "Chromium and chromedriver were"
                : chrome ? "Chromium (or Chrome) was" : "chromedriver was";
        return "The browser checks need headless Chromium and chromedriver, but " + what + " not found.\n"
                + "  Debian/Ubuntu:  sudo apt-get install chromium chromium-driver\n"
                + "  Elsewhere:      install Chrome or Chromium and the chromedriver of the same version,\n"
                + "                  then set CHROME_BIN and CHROMEDRIVER to the two programs' paths.\n"
                + "  Looked at: -Dchrome.binary / CHROME_BIN, -Dchromedriver.binary / CHROMEDRIVER, then PATH for\n"
                + "  chromium, chromium-browser, google-chrome, google-chrome-stable and chromedriver.\n"
                + "  (Only ./mvnw verify -Pbrowser runs these checks; leave out -Pbrowser to skip them.)";
    }

    /** Asks the system for a free port on the loopback interface. */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    /** The last lines chromedriver (and Chromium) printed, to put under an error message. */
    private String logTail() {
        if (log == null || !Files.exists(log)) {
            return "";
        }
        try {
            List<String> lines = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
            List<String> tail = lines.subList(Math.max(0, lines.size() - 20), lines.size());
            return tail.isEmpty() ? "" : "\n--- chromedriver's last words ---\n" + String.join("\n", tail);
        } catch (IOException e) {
            return "";
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | RuntimeException ignored) {
            // a leftover temp folder is not worth failing a test for
        }
    }

    private static void pause(Duration duration) {
        try {
            TimeUnit.NANOSECONDS.sleep(duration.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
