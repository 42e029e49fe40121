package sse.production;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import sse.check.Await;
import sse.check.EventStream;
import sse.check.PostFuzz;
import sse.check.RawHttp;
import sse.check.TestServer;

import io.javalin.Javalin;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.StatisticsHandler;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Robustness, not a TODO: what strangers send. Bad stream requests get a 4xx that says why, random posts
 * never a 5xx and never an event for a refused one, other sites' pages are refused, and clients that
 * vanish leave nothing behind.
 */
class RequestRobustnessTest {

    private ProductionApp lesson;
    private Javalin app;
    private TestServer server;

    @BeforeEach
    void start() {
        lesson = new ProductionApp(ProductionTest.options().withHeartbeatEvery(Duration.ofMillis(100)));
        app = lesson.create();
        server = TestServer.start(app);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @DisplayName("a post still arriving when the server stops is answered (503, nothing stored), not cut off unanswered")
    void postInFlightAtStopIsAnswered() throws Exception {
        // A slow upload: JSON may carry any amount of white space, sent here a byte every 10 ms.
        byte[] body = (" ".repeat(3000) + "{\"title\": \"Late\", \"year\": 2001}").getBytes(StandardCharsets.UTF_8);
        Server jetty = app.jettyServer().server();
        StatisticsHandler requests = jetty.getDescendant(StatisticsHandler.class);
        int port = server.uri("/").getPort();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /movies HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            Await.until(() -> requests.getRequestsActive() == 1, Duration.ofSeconds(3), () -> "the post should be in the server's hands");
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::close);
            int sent = 0;
            while (!jetty.isStopping() && sent < 3000) { // the upload goes on until Jetty itself is stopping
                out.write(body[sent++]);
                out.flush();
                Thread.sleep(10); // the pace of the upload, not a wait for something

            }
            assertTrue(jetty.isStopping(), "the server should be stopping by now");
            out.write(body, sent, body.length - sent);
            out.flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 503 "), "a post the server had begun to read is answered before the "
                    + "connection closes (a proxy turns a connection closed unanswered into a 502, and cannot resend a post): "
                    + (answer.isEmpty() ? "the connection was closed without a word" : answer));
            assertTrue(answer.contains("shutting down"), "the 503 says why: " + answer);
            stopping.get(10, TimeUnit.SECONDS);
            server = null;
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"?topics=", "?topics=movie", "?topics=movies,,stats", "?topics=MOVIES%0D%0Aevent:%20x",
            "?topics=movies,nope", "?topics=%00"})
    @DisplayName("an unknown topic is a 400 that names the topics, and no stream")
    void unknownTopics(String query) {
        RawHttp.Answer answer = RawHttp.send(server.uri("/"), "GET", "/events" + query,
                List.of("Accept: text/event-stream"), new byte[0]);
        assertEquals(400, answer.status(), query + ": " + answer);
        assertTrue(answer.body().contains("topics are movies and stats"), answer.toString());
        assertFalse(answer.body().contains("\r") || answer.body().contains("\0"), "no control characters echoed: " + answer);
        assertEquals(0, lesson.clients());
    }

    @Test
    @DisplayName("a request that does not accept an event stream gets 406 with a message; any case of the media type is fine")
    void acceptIsChecked() {
        RawHttp.Answer plain = RawHttp.send(server.uri("/"), "GET", "/events", List.of(), new byte[0]);
        assertEquals(406, plain.status(), plain.toString());
        assertTrue(plain.body().contains("Accept: text/event-stream"), plain.toString());
        try (EventStream upper = EventStream.open(server.uri("/events"), Map.of("Accept", "TEXT/EVENT-STREAM"))) {
            upper.expectEventStream("Accept: TEXT/EVENT-STREAM (media types ignore case)");
        }
    }

    @Test
    @DisplayName("1000 random bodies and 500 random Content-Types: never a 5xx, one event per accepted post")
    void randomPosts() {
        try (EventStream stream = EventStream.open(server.uri("/events?topics=movies")).expectEventStream("GET /events")) {
            Await.until(() -> lesson.clients() == 1, Duration.ofSeconds(3), () -> "the stream should be registered");
            stream.next(Duration.ofSeconds(3), "the welcome");
            PostFuzz.Outcome outcome = PostFuzz.run(server, 8L, 1000, 500);
            System.out.println("POST fuzz: " + outcome);
            PostFuzz.assertOneEventPerAcceptedPost(server, stream, outcome.acceptedIds());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/movies", "/admin/drop"})
    @DisplayName("a POST from another site's page is refused with 403, and changes nothing")
    void crossOriginIsRefused(String path) {
        try (EventStream stream = EventStream.open(server.uri("/events?topics=movies")).expectEventStream("GET /events")) {
            Await.until(() -> lesson.clients() == 1, Duration.ofSeconds(3), () -> "the stream should be registered");
            for (String header : List.of("Origin: http://evil.example", "Sec-Fetch-Site: cross-site")) {
                RawHttp.Answer answer = RawHttp.send(server.uri("/"), "POST", path, List.of(header,
                        "Content-Type: application/json"), "{\"title\":\"x\",\"year\":2000}".getBytes(StandardCharsets.UTF_8));
                assertEquals(403, answer.status(), path + " with " + header + ": " + answer);
            }
            assertFalse(stream.ended(), "the stream was not dropped");
            assertEquals(1, lesson.clients(), "the client is still there");
            assertEquals("[]", server.get("/movies").body(), "nothing was published");
        }
    }

    @Test
    @DisplayName("200 clients that vanish without a word are all gone after a heartbeat, with nothing left queued")
    void vanishedClientsLeaveNothing() throws IOException {
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress("127.0.0.1", server.uri("/").getPort()), 3000);
                socket.getOutputStream().write(("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                sockets.add(socket);
            }
            Await.until(() -> lesson.clients() == 200, Duration.ofSeconds(10), () -> "200 streams, not " + lesson.clients());
        } finally {
            for (Socket socket : sockets) {
                socket.setSoLinger(true, 0); // a reset, as a phone that loses its signal and comes back elsewhere
                socket.close();
            }
        }
        Await.until(() -> lesson.clients() == 0, Duration.ofSeconds(5),
                () -> "the heartbeat (every 100 ms here) finds every client that has gone: " + lesson.clients() + " left");
        assertEquals(0, lesson.stats().queuedBytes(), "no frames are kept for clients that have gone");
    }
}
