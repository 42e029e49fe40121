package sse.check;

import io.javalin.Javalin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A lesson's server started for one test: on loopback, on a free port, stopped by {@link #close()}. */
public final class TestServer implements AutoCloseable {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final Javalin app;

    private TestServer(Javalin app) {
        this.app = app;
    }

    /** Starts {@code app} on 127.0.0.1 and a port the system picks. */
    public static TestServer start(Javalin app) {
        return new TestServer(app.start("127.0.0.1", 0));
    }

    /** The absolute URI of {@code path} on this server, e.g. {@code uri("/events")}. */
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + app.port() + path);
    }

    /** A plain GET (no {@code Accept: text/event-stream}), answered within 5 s or failed. */
    public HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).timeout(REQUEST_TIMEOUT).GET(), "GET " + path);
    }

    /** A POST of {@code body} (UTF-8) with {@code contentType} (none if null), answered within 10 s or failed. */
    public HttpResponse<String> post(String path, String contentType, String body) {
        return post(path, contentType, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    }

    /** A POST with any body publisher (for example one without a length, sent in chunks). */
    public HttpResponse<String> post(String path, String contentType, HttpRequest.BodyPublisher body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).POST(body);
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return send(request, "POST " + path);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request, String what) {
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(what + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Stops the server; safe to call more than once. */
    @Override
    public void close() {
        app.stop();
    }
}
