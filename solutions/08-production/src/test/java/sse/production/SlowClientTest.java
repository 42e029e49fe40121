package sse.production;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.Await;
import sse.check.ChecksTodo;
import sse.check.EventStream;
import sse.check.EventStreamParser;
import sse.check.MovieFeed;
import sse.check.RawHttp;
import sse.check.ServerSentEvent;
import sse.check.TestServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lesson 08: a client that stops reading. In lesson 04 one such client froze every POST and every other
 * client for 30 s; here it is cut off when its queue is full, nobody else waits, and it loses nothing.
 */
class SlowClientTest {

    static final String TODO_2 = "Look at TODO 2 in Outbox.java (docs/08-production.md#todo-2-cut-off-a-client-that-does-not-read).";
    static final String GIVEN = "This part is already written, in ProductionApp.java: was it changed?";
    static final Duration WITHIN = Duration.ofSeconds(3);
    static final int QUEUE_EVENTS = 200;
    static final int QUEUE_BYTES = 32 * 1024;
    /** Far above what a loopback post takes (about a millisecond), far below lesson 04's 30 s freeze. */
    static final long POST_BOUND_MILLIS = 1000;

    private ProductionApp lesson;
    private TestServer server;
    private final List<EventStream> readers = new ArrayList<>();
    private Socket stalled;
    private String stalledHead = ""; // what the stalled client read before it stopped (ISO-8859-1: one char per byte)

    private void start(Duration drainFor) {
        lesson = new ProductionApp(ProductionTest.options()
                .withQueueLimits(QUEUE_EVENTS, QUEUE_BYTES)
                .withHistorySize(100_000)
                .withDrainFor(drainFor)
                .withSendBuffer(8 * 1024)); // not megabytes: the queue fills after a few dozen posts
        server = TestServer.start(lesson.create());
    }

    @AfterEach
    void stop() throws IOException {
        readers.forEach(EventStream::close);
        if (stalled != null) {
            stalled.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /**
     * A client that reads the response's head and first line, then never reads again: a raw socket with a
     * small receive buffer, as a phone on a train or a frozen tab would be.
     */
    private Socket openStalledClient() throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.setSoTimeout((int) WITHIN.toMillis());
        socket.connect(new InetSocketAddress("127.0.0.1", server.uri("/").getPort()), (int) WITHIN.toMillis());
        socket.getOutputStream().write(("GET /events?topics=movies HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        stalledHead = readUntil(socket.getInputStream(), "retry: ");
        assertTrue(stalledHead.startsWith("HTTP/1.1 200"), "the stalled client's stream opens: " + stalledHead);
        return socket;
    }

    private static String readUntil(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        while (!seen.toString(StandardCharsets.ISO_8859_1).contains(marker)) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            seen.write(b);
        }
        return seen.toString(StandardCharsets.ISO_8859_1);
    }

    /** Posts movies until {@code done} says stop; returns how many and the slowest answer. */
    private long[] postUntil(java.util.function.BooleanSupplier done, int atMost) {
        long slowest = 0;
        int posted = 0;
        String title = "a title long enough to fill a socket buffer sooner rather than later ".repeat(2);
        while (!done.getAsBoolean() && posted < atMost) {
            long started = System.nanoTime();
            HttpResponse<String> answer = server.post("/movies", "application/json",
                    "{\"title\": \"" + title + (posted + 1) + "\", \"year\": 1999}");
            slowest = Math.max(slowest, (System.nanoTime() - started) / 1_000_000);
            MovieFeed.assertCreated(answer, GIVEN);
            posted++;
        }
        return new long[]{posted, slowest};
    }

    @Test
    @ChecksTodo(value = 2, needs = 1)
    @DisplayName("a client that never reads is cut off when its queue is full; 20 readers and every POST go on; it comes back and loses nothing")
    void stalledReaderIsCutOffAndResumes() throws IOException {
        start(Duration.ofSeconds(2));
        for (int i = 0; i < 20; i++) {
            EventStream reader = EventStream.open(server.uri("/events?topics=movies"), Map.of());
            readers.add(reader);
            reader.next(WITHIN, "Each reader is welcomed. " + ProductionTest.TODO_1);
        }
        stalled = openStalledClient();
        Await.until(() -> lesson.clients() == 21, WITHIN, () -> "21 streams should be open, not " + lesson.clients());

        // Post until the stalled client is cut off, or its queue is far past the limit (TODO 2 open).
        // Meanwhile, no client's queue ever holds more than the limit.
        long[] mostQueued = {0};
        long[] result = postUntil(() -> {
            ProductionApp.Stats now = lesson.stats();
            mostQueued[0] = Math.max(mostQueued[0], now.largestQueue());
            return now.cutOff() > 0 || now.largestQueue() > 4L * QUEUE_BYTES;
        }, 50_000);
        int posted = (int) result[0];
        long slowest = result[1];
        System.out.printf("stalled reader: cut off after %d posts; slowest POST %d ms%n", posted, slowest);
        ProductionApp.Stats stats = lesson.stats();
        assertEquals(1, stats.cutOff(), "the client that never reads should be cut off once its queue holds "
                + QUEUE_EVENTS + " frames or " + QUEUE_BYTES + " bytes; after " + posted + " posts its queue holds "
                + stats.largestQueue() + " bytes and it is still connected. " + TODO_2);
        assertTrue(slowest < POST_BOUND_MILLIS, "no POST waits for a slow client: the slowest took " + slowest + " ms");
        assertTrue(mostQueued[0] <= QUEUE_BYTES, "no queue ever holds more than the limit (" + QUEUE_BYTES
                + " bytes): the fullest held " + mostQueued[0] + " bytes. " + TODO_2);
        List<Long> all = LongStream.rangeClosed(1, posted).boxed().toList();
        for (EventStream reader : readers) {
            List<ServerSentEvent> movies = MovieFeed.movies(reader, posted, Duration.ofSeconds(10),
                    "Every reader gets every movie while one client is stalled.");
            assertEquals(all, movies.stream().map(event -> Long.parseLong(event.lastEventId())).toList(),
                    "every movie once and in order, for every reader");
        }
        Await.until(() -> lesson.clients() == 20, WITHIN, () -> "the cut-off client is no longer a stream: " + lesson.clients());

        // The stalled client wakes up: it reads what had reached it, sees the stream break, and comes back.
        String before = stalledHead + readToEnd(stalled);
        List<ServerSentEvent> got = new ArrayList<>(EventStreamParser.parse(utf8(body(before))));
        String lastId = lastId(got);
        assertTrue(!lastId.isEmpty(), "the stalled client had read some movies before it stopped: " + got.size());
        try (EventStream back = EventStream.open(server.uri("/events?topics=movies"), Map.of("Last-Event-ID", lastId))) {
            long missed = posted - Long.parseLong(lastId);
            got.addAll(MovieFeed.movies(back, (int) missed, Duration.ofSeconds(10),
                    "Coming back with Last-Event-ID " + lastId + ", it is sent the " + missed + " movies it missed."));
        }
        List<Long> ids = got.stream().filter(event -> "movie".equals(event.type()))
                .map(event -> Long.parseLong(event.lastEventId())).toList();
        assertEquals(all, ids, "before the cut and after coming back: every movie exactly once, in order");
    }

    @Test
    @DisplayName("while the server drains, a new stream is told a retry and ended, a POST gets 503, /health says draining")
    void drainingRefusesPolitely() throws Exception {
        start(Duration.ofSeconds(6)); // the window in which the checks below run
        stalled = openStalledClient();
        // Fill the stalled client's socket, so that its stream cannot end cleanly and the drain waits for it.
        postUntil(() -> lesson.stats().largestQueue() > 4 * 1024, 50_000);
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::close);
        Await.until(() -> lesson.stats().draining(), WITHIN, () -> "the server should be draining");

        HttpResponse<String> post = server.post("/movies", "application/json", "{\"title\": \"Late\", \"year\": 2000}");
        assertEquals(503, post.statusCode(), "a POST while draining is refused: " + post.body());
        assertTrue(post.body().contains("shutting down"), post.body());
        HttpResponse<String> health = server.get("/health");
        assertEquals(503, health.statusCode(), "a load balancer stops sending clients here: " + health.body());
        assertEquals("{\"status\":\"draining\"}", health.body());
        // A raw socket, as a browser opens one: JDK 25's HttpClient was seen to sit on a stream that ends at once.
        RawHttp.Answer late = RawHttp.send(server.uri("/"), "GET", "/events", List.of("Accept: text/event-stream"), new byte[0]);
        assertEquals(200, late.status(), "a 503 would stop a browser's EventSource for good: " + late);
        assertTrue(late.header("Content-Type").orElse("").startsWith("text/event-stream"), late.toString());
        assertTrue(late.body().matches("retry: \\d+\n"), "it is told only when to come back, and the stream ends:\n" + late);
        stopping.get(20, java.util.concurrent.TimeUnit.SECONDS);
        server = null;
    }

    private static String readToEnd(Socket socket) throws IOException {
        socket.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = socket.getInputStream().read(buffer)) != -1; ) {
                all.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the cut-off stream should end: nothing came for 10 s", e);
        } catch (IOException reset) {
            // A reset after the bytes that reached us: the end of this stream too.
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    private static String utf8(String bytes) {
        return new String(bytes.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    /** The body of a chunked HTTP/1.1 response (one char per byte), as far as it came. */
    private static String body(String response) {
        String rest = response.substring(response.indexOf("\r\n\r\n") + 4);
        StringBuilder body = new StringBuilder();
        while (true) {
            int lineEnd = rest.indexOf("\r\n");
            if (lineEnd < 0) {
                break;
            }
            int size;
            try {
                size = Integer.parseInt(rest.substring(0, lineEnd).trim(), 16);
            } catch (NumberFormatException notChunked) {
                throw new UncheckedIOException(new IOException("not a chunk size: " + rest.substring(0, Math.min(lineEnd, 40))));
            }
            if (size == 0) {
                break;
            }
            int start = lineEnd + 2;
            int end = Math.min(start + size, rest.length());
            body.append(rest, start, end);
            if (end < start + size) {
                break; // cut in the middle of a chunk
            }
            rest = rest.substring(Math.min(end + 2, rest.length()));
        }
        return body.toString();
    }

    /** The id a browser would send back: the last event's last event id. */
    private static String lastId(List<ServerSentEvent> events) {
        return events.isEmpty() ? "" : events.get(events.size() - 1).lastEventId();
    }
}
