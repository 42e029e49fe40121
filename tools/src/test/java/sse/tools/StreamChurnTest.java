package sse.tools;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamChurnTest {

    private HttpServer server;
    private ExecutorService serverThreads;
    private final AtomicInteger open = new AtomicInteger();

    /** Streams a comment every 20 ms until the write fails; /stats says how many are open. */
    @BeforeEach
    void startServer() throws IOException {
        serverThreads = Executors.newFixedThreadPool(30);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        server.setExecutor(serverThreads);
        server.createContext("/events", this::stream);
        server.createContext("/never-writes", this::neverWrites);
        server.createContext("/stats", exchange -> {
            byte[] body = ("{\"open\":" + open.get() + "}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    private void stream(HttpExchange exchange) throws IOException {
        open.incrementAndGet();
        try (OutputStream out = exchange.getResponseBody()) {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            for (int i = 0; i < 1000; i++) { // at most 20 s, then the stream ends by itself
                out.write(": x\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.sleep(20);
            }
        } catch (IOException | InterruptedException clientLeft) {
            // the client dropped the connection: this stream is over
        } finally {
            open.decrementAndGet();
        }
    }

    /** A leaky stream: it never writes after the headers, so it never finds out that the client left. */
    private void neverWrites(HttpExchange exchange) throws IOException {
        open.incrementAndGet();
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        exchange.getResponseBody().flush();
        try {
            Thread.sleep(10_000); // then it ends by itself, or the test's end interrupts it
        } catch (InterruptedException stopped) {
            Thread.currentThread().interrupt();
        } finally {
            exchange.close();
        }
    }

    @AfterEach
    void stopServer() throws InterruptedException {
        server.stop(0);
        serverThreads.shutdownNow();
        serverThreads.awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    @DisplayName("each round opens the streams, drops them, and reports the server's stats after it noticed")
    void roundsReportStats() {
        URI events = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/events");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        List<String> stats = StreamChurn.run(new StreamChurn.Options(events, events.resolve("/stats"), 10, 2,
                java.time.Duration.ofMillis(300), java.time.Duration.ofMillis(1000)), new PrintStream(printed, true, StandardCharsets.UTF_8));
        assertEquals(List.of("{\"open\":0}", "{\"open\":0}"), stats, "the server closed every dropped stream");
        String output = printed.toString(StandardCharsets.UTF_8);
        assertTrue(output.contains("round   2  clients so far     20  (10 opened this round)"), output);
    }

    @Test
    @DisplayName("on a server that never notices, the numbers climb round after round")
    void leaksShowAsClimbingNumbers() {
        URI leaky = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/never-writes");
        List<String> stats = StreamChurn.run(new StreamChurn.Options(leaky, leaky.resolve("/stats"), 10, 2,
                java.time.Duration.ofMillis(300), java.time.Duration.ofMillis(300)), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(List.of("{\"open\":10}", "{\"open\":20}"), stats, "every dropped stream is still counted");
    }

    @Test
    @DisplayName("a server that is not on this machine is refused before anything is sent")
    void refusesOtherHosts() {
        StreamChurn.Options elsewhere = StreamChurn.Options.parse(List.of("--url", "http://192.0.2.1/events"));
        assertThrows(Tools.UsageException.class, () -> StreamChurn.run(elsewhere, new PrintStream(new ByteArrayOutputStream())));
    }
}
