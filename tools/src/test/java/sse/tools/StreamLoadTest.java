package sse.tools;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamLoadTest {

    private static final int CLIENTS = 20;

    private HttpServer server;
    private ExecutorService serverThreads;
    private final AtomicInteger openStreams = new AtomicInteger();
    private final CountDownLatch streamsEnded = new CountDownLatch(CLIENTS);

    /** A tiny event-stream server: {@code data: x} every 100 ms on /events, "ok" on /. */
    @BeforeEach
    void startServer() throws IOException {
        serverThreads = Executors.newFixedThreadPool(CLIENTS + 10); // one per stream, plus the probe
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        server.setExecutor(serverThreads);
        server.createContext("/events", this::stream);
        server.createContext("/", exchange -> {
            byte[] ok = "ok".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, ok.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(ok);
            }
        });
        server.start();
    }

    private void stream(HttpExchange exchange) throws IOException {
        openStreams.incrementAndGet();
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0); // 0: chunked, for as long as it takes
            OutputStream body = exchange.getResponseBody();
            while (!Thread.currentThread().isInterrupted()) {
                body.write("data: x\n\n".getBytes(StandardCharsets.UTF_8));
                body.flush();
                Thread.sleep(100); // the server's pace: this is what it serves, not a wait in the test
            }
        } catch (IOException | InterruptedException e) {
            // the client went away, or the test is over
        } finally {
            openStreams.decrementAndGet();
            streamsEnded.countDown();
        }
    }

    @AfterEach
    void stopServer() throws InterruptedException {
        server.stop(0);
        serverThreads.shutdownNow();
        assertTrue(serverThreads.awaitTermination(5, TimeUnit.SECONDS), "server threads stop");
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    @Test
    void holds_every_stream_counts_events_probes_the_server_and_closes_the_streams() throws InterruptedException {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
        StreamLoad.Options options = StreamLoad.Options.parse(
                List.of("--url", url("/events").toString(), "--clients", String.valueOf(CLIENTS), "--seconds", "2"));

        StreamLoad.Summary summary = assertTimeoutPreemptively(Duration.ofSeconds(12), () -> StreamLoad.run(options, out));

        String output = printed.toString(StandardCharsets.UTF_8);
        assertEquals(CLIENTS, summary.clientsAsked(), output);
        assertEquals(CLIENTS, summary.withHeaders(), output);
        assertEquals(CLIENTS, summary.receivedAnEvent(), output);
        assertEquals(CLIENTS, summary.receivingAtEnd(), output);
        assertEquals(0, summary.failed(), output);
        assertEquals(Map.of(), summary.failureReasons(), output);
        assertTrue(summary.events() >= CLIENTS * 5L, "about 20 events per stream in 2 s: " + output);
        // Each event is 9 bytes; a snapshot may catch a stream between counting an event's bytes and the event.
        long eventBytes = "data: x\n\n".length();
        assertTrue(summary.bytes() >= summary.events() * eventBytes
                && summary.bytes() <= (summary.events() + CLIENTS) * eventBytes, output);
        assertEquals(2, summary.secondsHeld(), output);
        assertTrue(summary.probe().answered(), output);
        assertEquals(200, summary.probe().status(), output);
        assertEquals(url("/"), summary.probe().url());
        assertTrue(output.contains("t=2s  streams with headers: 20/20  receiving events: 20  failed: 0"), output);
        assertTrue(output.contains("answered 200 in "), output);

        // Closing the streams really closes the connections: every server loop notices and ends.
        assertTrue(streamsEnded.await(5, TimeUnit.SECONDS),
                "the server still has " + openStreams.get() + " open streams after the load client returned");
    }

    @Test
    void a_server_that_is_not_running_fails_every_stream_and_the_run_stops_early() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort(); // free now: nothing listens on it once the socket is closed
        }
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        StreamLoad.Options options = StreamLoad.Options.parse(
                List.of("--url", "http://localhost:" + port + "/events", "--clients", "5", "--seconds", "30"));

        StreamLoad.Summary summary = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> StreamLoad.run(options, out));

        assertEquals(5, summary.failed());
        assertEquals(0, summary.withHeaders());
        assertEquals(5, summary.failureReasons().values().stream().mapToInt(Integer::intValue).sum());
        assertEquals("not made (stopped before halfway)", summary.probe().describe());
        assertEquals(1, summary.secondsHeld());
    }

    @Test
    void a_url_that_is_not_on_this_machine_is_refused_before_anything_connects() {
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        // 192.0.2.1 is TEST-NET-1: connecting would hang until the 5 s connect timeout, so a
        // refusal within a second shows that the check comes first.
        Tools.UsageException refused = assertTimeoutPreemptively(Duration.ofSeconds(1), () -> assertThrows(
                Tools.UsageException.class,
                () -> StreamLoad.run(StreamLoad.Options.parse(List.of("--url", "http://192.0.2.1/events")), out)));
        assertTrue(refused.getMessage().contains("192.0.2.1"), refused.getMessage());
        assertTrue(refused.getMessage().contains("loopback"), refused.getMessage());

        Tools.UsageException probeRefused = assertThrows(Tools.UsageException.class, () -> StreamLoad.run(
                StreamLoad.Options.parse(List.of("--url", url("/events").toString(), "--probe", "http://192.0.2.1/")), out));
        assertTrue(probeRefused.getMessage().contains("--probe"), probeRefused.getMessage());
        assertEquals(0, openStreams.get(), "nothing was opened");
    }

    @Test
    void loopback_hosts_are_accepted() {
        for (String url : List.of("http://localhost:1/", "http://127.0.0.1:1/", "http://127.1.2.3:1/", "http://[::1]:1/")) {
            assertDoesNotThrow(() -> StreamLoad.requireLoopback(URI.create(url), "--url"), url);
        }
    }

    @Test
    void options_have_defaults_and_are_capped() {
        StreamLoad.Options defaults = StreamLoad.Options.parse(List.of("--url", "http://localhost:7070/events?x=1"));
        assertEquals(1000, defaults.clients());
        assertEquals(10, defaults.seconds());
        assertEquals(URI.create("http://localhost:7070/"), defaults.probe());

        StreamLoad.Options big = StreamLoad.Options.parse(
                List.of("--url", "http://localhost:7070/events", "--clients", "50000", "--seconds", "3600"));
        assertEquals(20_000, big.capped().clients());
        assertEquals(300, big.capped().seconds());

        for (List<String> wrong : List.<List<String>>of(List.of(), List.of("--url"), List.of("--url", "ftp://localhost/"),
                List.of("--url", "http://localhost/", "--clients", "0"), List.of("--url", "http://localhost/", "--nope", "1"))) {
            assertThrows(Tools.UsageException.class, () -> StreamLoad.Options.parse(wrong), wrong.toString());
        }
    }

    @Test
    void the_command_line_refuses_with_exit_code_2() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exitCode = Tools.run(new String[] {"load", "--url", "http://192.0.2.1/"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, exitCode);
        String message = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, message.strip().lines().count(), message);
        assertTrue(message.startsWith("error: load: refusing --url http://192.0.2.1/"), message);
    }
}
