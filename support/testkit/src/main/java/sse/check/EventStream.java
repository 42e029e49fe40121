package sse.check;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One open {@code text/event-stream} over real HTTP, as the tests see it: the status and
 * headers, the exact bytes, and the events parsed by {@link EventStreamParser}.
 * Every wait is bounded; a failure says what arrived so far and what to look at.
 */
public final class EventStream implements AutoCloseable {

    /** How long to wait for the response headers. */
    public static final Duration HEADERS_TIMEOUT = Duration.ofSeconds(5);

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private final HttpResponse<InputStream> response;
    private final ByteArrayOutputStream raw = new ByteArrayOutputStream();
    private final BlockingQueue<ServerSentEvent> events = new LinkedBlockingQueue<>();
    private final List<String> comments = new CopyOnWriteArrayList<>();
    private final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
    private final EventStreamParser parser;
    private final Thread reader;
    private volatile boolean ended;

    private EventStream(HttpResponse<InputStream> response) {
        this.response = response;
        this.parser = new EventStreamParser(new EventStreamParser.Listener() {
            @Override
            public void onEvent(ServerSentEvent event) {
                arrivals.add(new Arrival(event, System.nanoTime()));
                events.add(event);
            }

            @Override
            public void onComment(String comment) {
                comments.add(comment);
            }
        });
        this.reader = new Thread(this::readUntilEnd, "event-stream-reader");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** An event and when it arrived ({@link System#nanoTime()}): for tests that measure delays. */
    public record Arrival(ServerSentEvent event, long nanoTime) {
    }

    /** Opens a stream the way a browser's EventSource does: GET with {@code Accept: text/event-stream}. */
    public static EventStream open(URI uri) {
        return open(uri, Map.of());
    }

    /** Opens a stream with extra request headers (for example {@code Last-Event-ID}). */
    public static EventStream open(URI uri, Map<String, String> headers) {
        try {
            return new EventStream(HTTP.sendAsync(request(uri, headers), HttpResponse.BodyHandlers.ofInputStream())
                    .get(HEADERS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            throw new AssertionError("GET " + uri + ": no response headers within " + HEADERS_TIMEOUT.toSeconds()
                    + " s. A handler that never writes or flushes keeps the client waiting.", e);
        } catch (ExecutionException e) {
            throw new AssertionError("GET " + uri + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * Sends the request and returns at once; the stream is there when the response headers arrive,
     * which may be never. For what holds back even the headers, as a buffering proxy does: a test
     * can then say "nothing at all arrived". The caller bounds its wait, e.g. {@code get(5, SECONDS)}.
     */
    public static CompletableFuture<EventStream> openLater(URI uri) {
        return HTTP.sendAsync(request(uri, Map.of()), HttpResponse.BodyHandlers.ofInputStream()).thenApply(EventStream::new);
    }

    private static HttpRequest request(URI uri, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET()
                .header("Accept", "text/event-stream");
        headers.forEach(request::header);
        return request.build();
    }

    private void readUntilEnd() {
        byte[] buffer = new byte[8192];
        try (InputStream body = response.body()) {
            for (int n; (n = body.read(buffer)) != -1; ) {
                synchronized (raw) {
                    raw.write(buffer, 0, n);
                }
                parser.feed(buffer, 0, n);
            }
        } catch (IOException closedOrReset) {
            // The connection ended abruptly: that is an end of stream too.
        } finally {
            parser.end();
            ended = true;
        }
    }

    public int status() {
        return response.statusCode();
    }

    public HttpHeaders headers() {
        return response.headers();
    }

    /** The first value of a response header, if present. */
    public Optional<String> header(String name) {
        return response.headers().firstValue(name);
    }

    /** Every byte received so far, decoded as UTF-8. */
    public String raw() {
        synchronized (raw) {
            return raw.toString(StandardCharsets.UTF_8);
        }
    }

    /** Comments received so far (lines starting with a colon), without the colon and one space. */
    public List<String> comments() {
        return List.copyOf(comments);
    }

    /**
     * Every event received so far with the moment it arrived, oldest first. {@link #next} does not
     * take events from this list: a test can measure delays and still read the events in order.
     */
    public List<Arrival> arrivals() {
        return List.copyOf(arrivals);
    }

    /** True once the server has closed the stream (or the connection broke). */
    public boolean ended() {
        return ended;
    }

    /**
     * The next event, waiting at most {@code timeout}; fails with {@code hint} and what
     * arrived so far when none comes.
     */
    public ServerSentEvent next(Duration timeout, String hint) {
        return next(1, timeout, hint).get(0);
    }

    /** The next {@code count} events, all of them within {@code timeout} in total. */
    public List<ServerSentEvent> next(int count, Duration timeout, String hint) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ServerSentEvent> received = new ArrayList<>(count);
        try {
            while (received.size() < count) {
                ServerSentEvent event = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (event == null) {
                    throw new AssertionError("Expected " + count + " event(s) within " + timeout.toMillis()
                            + " ms but got " + received.size() + ". " + hint + "\n" + describe());
                }
                received.add(event);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return received;
    }

    /** Waits until the bytes received so far satisfy {@code condition}; returns them. */
    public String awaitRaw(java.util.function.Predicate<String> condition, Duration timeout, String hint) {
        Await.until(() -> condition.test(raw()), timeout, () -> hint + "\n" + describe());
        return raw();
    }

    /** Waits until the server ends the stream. */
    public void awaitEnd(Duration timeout, String hint) {
        Await.until(this::ended, timeout, () -> hint + "\n" + describe());
    }

    /**
     * Fails unless the response is a 200 {@code text/event-stream}; the message shows what came
     * instead (a 501 from an unfinished TODO says which one) and the hint.
     */
    public EventStream expectEventStream(String hint) {
        boolean isStream = header("Content-Type").map(type -> type.toLowerCase(java.util.Locale.ROOT).startsWith("text/event-stream")).orElse(false);
        if (status() != 200 || !isStream) {
            throw new AssertionError("The response is not an event stream. " + hint + "\n" + describe());
        }
        return this;
    }

    /** Status, content type and the bytes so far: the context every failure message needs. */
    public String describe() {
        if (status() != 200 && !ended) {
            // An error's body is short and explains itself: give it a moment to arrive.
            try {
                reader.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        String body = raw();
        if (body.length() > 600) {
            body = body.substring(0, 600) + "...";
        }
        return "  status: " + status() + ", Content-Type: " + header("Content-Type").orElse("(none)")
                + (ended ? ", stream ended" : ", stream open")
                + "\n  received so far: " + (body.isEmpty() ? "(nothing)" : escape(body));
    }

    private static String escape(String text) {
        return '"' + text.replace("\r", "\\r").replace("\n", "\\n") + '"';
    }

    /** Disconnects abruptly, as a closed browser tab does. */
    @Override
    public void close() {
        try {
            response.body().close();
        } catch (IOException ignored) {
            // Already closed: nothing left to release.
        }
        try {
            reader.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
