package sse.production;

import io.javalin.Javalin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sse.check.Await;
import sse.check.ReconnectingClient;
import sse.check.MovieFeed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Robustness, not a TODO: a deploy. The server stops and a new one starts on the same port while a few
 * hundred browsers are connected; every browser comes back by itself (after its jittered retry, with
 * Last-Event-ID), and each ends with every movie exactly once, in order: the history was saved on stop
 * and read back on start.
 */
class RestartStormTest {

    static final int CLIENTS = 300;
    static final Duration RETRY = Duration.ofMillis(300);
    static final Duration JITTER = Duration.ofMillis(700);

    private final List<ReconnectingClient> clients = new ArrayList<>();
    private Javalin running;

    @AfterEach
    void stop() {
        clients.forEach(ReconnectingClient::close);
        if (running != null) {
            running.stop();
        }
    }

    private static void post(HttpClient http, URI movies, String title) {
        try {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(movies).timeout(Duration.ofSeconds(5))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"title\": \"" + title + "\", \"year\": 2001}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            MovieFeed.assertCreated(answer, "POST /movies");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private ProductionApp.Options options(Path history) {
        return ProductionApp.Options.defaults()
                .withHeartbeatEvery(Duration.ofHours(1))
                .withRetry(RETRY, JITTER)
                .withDrainFor(Duration.ofSeconds(5))
                .withHistoryFile(history);
    }

    @Test
    @DisplayName("300 browsers through a restart: all come back, each with every movie exactly once, in order")
    void everyClientResumesAfterRestart(@TempDir Path data) {
        Path history = data.resolve("history.jsonl");
        ProductionApp first = new ProductionApp(options(history));
        running = first.create().start("127.0.0.1", 0);
        int port = running.port();
        URI events = URI.create("http://127.0.0.1:" + port + "/events?topics=movies");
        HttpClient http = ReconnectingClient.sharedHttp();
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(ReconnectingClient.start(http, events, "browser-" + i));
        }
        Await.until(() -> first.clients() == CLIENTS, Duration.ofSeconds(20),
                () -> CLIENTS + " streams should open, " + first.clients() + " did");
        URI movies = URI.create("http://127.0.0.1:" + port + "/movies");
        for (int i = 1; i <= 5; i++) {
            post(http, movies, "before " + i);
        }
        Await.until(() -> clients.stream().allMatch(c -> c.ids("movie").size() == 5), Duration.ofSeconds(10),
                () -> "every client should have movies 1 to 5");

        running.stop(); // the graceful stop: a retry: for each, streams ended, history saved
        running = null;
        ProductionApp second = new ProductionApp(options(history));
        long restarted = System.nanoTime();
        running = second.create().start("127.0.0.1", port);
        Await.until(() -> second.clients() == CLIENTS, Duration.ofSeconds(30),
                () -> "every client should come back by itself: " + second.clients() + " of " + CLIENTS + " did");
        long backMillis = (System.nanoTime() - restarted) / 1_000_000;
        System.out.printf("restart storm: %d clients back %d ms after the new server started (retry %d ms + up to %d ms jitter)%n",
                CLIENTS, backMillis, RETRY.toMillis(), JITTER.toMillis());

        for (int i = 6; i <= 8; i++) {
            post(http, movies, "after " + i);
        }
        List<Long> all = LongStream.rangeClosed(1, 8).boxed().toList();
        Await.until(() -> clients.stream().allMatch(c -> c.ids("movie").size() >= 8), Duration.ofSeconds(10),
                () -> "every client should have 8 movies");
        for (ReconnectingClient client : clients) {
            assertEquals(all, client.ids("movie"), "no gap and no duplicate across the restart");
            assertTrue(client.connections() >= 2, "it reconnected");
        }
    }
}
