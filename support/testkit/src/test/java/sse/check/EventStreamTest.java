package sse.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The tests' own client: what it sends, how it reads HTTP/1.1 bodies, and that closing it drops
 * the connection at once, so that "the server noticed the client left" is about the server.
 */
@DisplayName("EventStream is a real HTTP/1.1 client that leaves at once")
final class EventStreamTest {

    static final Duration WITHIN = Duration.ofSeconds(3);

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : open) {
            closeable.close();
        }
    }

    @Test
    @DisplayName("closing a stream closes its connection: the server's next write fails, every time")
    void closeDropsTheConnection() throws IOException {
        AtomicInteger streaming = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        ExecutorService threads = Executors.newFixedThreadPool(20);
        server.setExecutor(threads);
        server.createContext("/events", exchange -> commentEvery20Ms(exchange, streaming));
        server.start();
        open.add(() -> {
            server.stop(0);
            threads.shutdownNow();
            threads.awaitTermination(5, TimeUnit.SECONDS);
        });
        URI events = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/events");
        // A client that only half-closes its socket, or leaves the close to a later moment (the
        // JDK's HttpClient does, for a body nobody is reading), keeps the server writing to it.
        for (int round = 1; round <= 20; round++) {
            List<EventStream> streams = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                streams.add(EventStream.open(events).expectEventStream("a comment every 20 ms"));
            }
            for (EventStream stream : streams) {
                stream.awaitRaw(raw -> raw.contains(": x\n"), WITHIN, "the first comment");
            }
            streams.forEach(EventStream::close);
            int r = round;
            // The server writes every 20 ms: it has noticed long before a second has passed.
            Await.until(() -> streaming.get() == 0, Duration.ofSeconds(1),
                    () -> "round " + r + ": " + streaming.get() + " of 10 closed streams still written to a second later");
        }
    }

    private static void commentEvery20Ms(HttpExchange exchange, AtomicInteger streaming) throws IOException {
        streaming.incrementAndGet();
        try (OutputStream out = exchange.getResponseBody()) {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            for (int i = 0; i < 1500; i++) { // 30 s at most, then the stream ends by itself
                out.write(": x\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.sleep(20);
            }
        } catch (IOException | InterruptedException clientLeft) {
            // the write failed: the client has gone
        } finally {
            streaming.decrementAndGet();
        }
    }

    @Test
    @DisplayName("it sends what EventSource sends; a header given replaces the default of that name")
    void sendsWhatEventSourceSends() throws Exception {
        RawServer server = rawServer();
        EventStream.openLater(server.uri("/events?topics=a%2Cb"));
        String request = server.nextRequest();
        assertTrue(request.startsWith("GET /events?topics=a%2Cb HTTP/1.1\r\n"), request);
        assertTrue(request.contains("\r\nAccept: text/event-stream\r\n"), request);
        assertTrue(request.contains("\r\nHost: 127.0.0.1:" + server.port() + "\r\n"), request);

        EventStream.openLater(server.uri("/events"));
        server.nextRequest();
        CompletableFuture.runAsync(() -> EventStream.open(server.uri("/events"),
                java.util.Map.of("accept", "TEXT/EVENT-STREAM", "Last-Event-ID", "7")));
        String replaced = server.nextRequest();
        assertFalse(replaced.contains("Accept: text/event-stream"), replaced);
        assertTrue(replaced.contains("\r\naccept: TEXT/EVENT-STREAM\r\n"), replaced);
        assertTrue(replaced.contains("\r\nLast-Event-ID: 7\r\n"), replaced);
    }

    @Test
    @DisplayName("a chunked body is decoded as it arrives, chunk edges anywhere, and its last chunk ends it")
    void chunkedBodies() throws Exception {
        RawServer server = rawServer();
        CompletableFuture<EventStream> later = EventStream.openLater(server.uri("/events"));
        server.nextRequest();
        server.send("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
                + "X-Twice: 1\r\nx-twice: 2\r\n\r\n");
        EventStream stream = later.get(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        open.add(stream);
        assertEquals(200, stream.status());
        assertEquals(List.of("1", "2"), stream.headers().allValues("X-TWICE"), "header names are case-insensitive");
        // "data: one\n\n" in two chunks, the first with an extension; the data of a chunk is handed
        // over before its closing line end arrives.
        server.send("6;ext=1\r\ndata: \r\n");
        server.send("5\r\none\n\n");
        assertEquals("one", stream.next(WITHIN, "the event whose chunk's line end has not arrived yet").data());
        server.send("\r\n1a\r\ndata: two\r\ndata: lines\r\n\r\n\r\n");
        assertEquals("two\nlines", stream.next(WITHIN, "the second event").data());
        assertFalse(stream.ended());
        server.send("0\r\n\r\n");
        stream.awaitEnd(WITHIN, "the last chunk ends the stream");
        assertEquals("data: one\n\ndata: two\r\ndata: lines\r\n\r\n", stream.raw(), "the decoded body, byte for byte");
    }

    @Test
    @DisplayName("an error with a length: status, headers and body, and the stream ends")
    void errorWithLength() throws Exception {
        RawServer server = rawServer();
        CompletableFuture<EventStream> later = EventStream.openLater(server.uri("/events"));
        server.nextRequest();
        String body = "{\"title\":\"Not Acceptable\"}";
        server.send("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 406 Not Acceptable\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body);
        EventStream stream = later.get(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        open.add(stream);
        stream.awaitEnd(WITHIN, "a body of a known length ends the response, though the connection stays open");
        assertEquals(406, stream.status());
        assertEquals(body, stream.raw());
        AssertionError notAStream = assertThrows(AssertionError.class, () -> stream.expectEventStream("GET /events"));
        assertTrue(notAStream.getMessage().contains("status: 406, Content-Type: application/json"), notAStream.getMessage());
    }

    @Test
    @DisplayName("no headers within the limit: a clear failure, not a hang")
    void silentServer() throws Exception {
        RawServer server = rawServer();
        CompletableFuture<AssertionError> failure = CompletableFuture.supplyAsync(
                () -> assertThrows(AssertionError.class, () -> EventStream.open(server.uri("/events"))));
        server.nextRequest();
        AssertionError error = failure.get(EventStream.HEADERS_TIMEOUT.plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
        assertTrue(error.getMessage().contains("no response headers within 5 s"), error.getMessage());
    }

    @Test
    @DisplayName("only to this machine")
    void loopbackOnly() {
        assertThrows(IllegalArgumentException.class, () -> EventStream.open(URI.create("http://192.0.2.1:7070/events")));
        assertThrows(IllegalArgumentException.class, () -> EventStream.open(URI.create("https://localhost:7443/events")));
    }

    // ---- a server that answers with exactly the bytes a test gives --------------------------

    private RawServer rawServer() throws IOException {
        RawServer server = new RawServer(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        open.add(server);
        return server;
    }

    /** Accepts connections one after another; the test reads each request and writes the answer. */
    private static final class RawServer implements AutoCloseable {
        private final ServerSocket listening;
        private final BlockingQueue<String> requests = new LinkedBlockingQueue<>();
        private final List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
        private volatile Socket last;

        RawServer(ServerSocket listening) {
            this.listening = listening;
            Thread acceptor = new Thread(this::acceptAll, "raw-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void acceptAll() {
            try {
                while (true) {
                    Socket socket = listening.accept();
                    socket.setSoTimeout((int) WITHIN.toMillis());
                    accepted.add(socket);
                    InputStream in = socket.getInputStream();
                    ByteArrayOutputStream head = new ByteArrayOutputStream();
                    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                        int b = in.read();
                        if (b == -1) {
                            break;
                        }
                        head.write(b);
                    }
                    last = socket;
                    requests.add(head.toString(StandardCharsets.ISO_8859_1));
                }
            } catch (IOException closed) {
                // the test is over
            }
        }

        int port() {
            return listening.getLocalPort();
        }

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + port() + path);
        }

        String nextRequest() throws InterruptedException {
            String request = requests.poll(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
            if (request == null) {
                throw new AssertionError("no request arrived within " + WITHIN.toSeconds() + " s");
            }
            return request;
        }

        /** Writes to the connection whose request was read last. */
        void send(String bytes) throws IOException {
            OutputStream out = last.getOutputStream();
            out.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        @Override
        public void close() throws IOException {
            listening.close();
            for (Socket socket : accepted) {
                socket.close();
            }
        }
    }
}
