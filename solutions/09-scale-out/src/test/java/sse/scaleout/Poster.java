package sse.scaleout;

import com.fasterxml.jackson.databind.JsonNode;
import sse.check.MovieFeed;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Posts a movie every {@code every} through the load balancer, on its own thread, and sorts the answers:
 * accepted (201, with the id the cluster gave), refused (503: nothing was stored) and unknown (a 502, or
 * no answer: the instance died with the post in flight, which may or may not have been stored).
 * Every title is new, so a movie in a stream tells which post it came from.
 */
final class Poster implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private final URI movies;
    private final Duration every;
    private final Thread thread;
    private final List<Long> accepted = new CopyOnWriteArrayList<>();
    private final Set<String> refused = ConcurrentHashMap.newKeySet();
    private final Map<String, String> unknown = new ConcurrentHashMap<>(); // title: what came instead of an answer
    private final List<String> unexpected = new CopyOnWriteArrayList<>();
    private volatile boolean stop;

    private Poster(URI movies, Duration every) {
        this.movies = movies;
        this.every = every;
        this.thread = new Thread(this::run, "poster");
        this.thread.setDaemon(true);
    }

    /** Starts posting to {@code movies} (the cluster's {@code /movies}). */
    static Poster start(URI movies, Duration every) {
        Poster poster = new Poster(movies, every);
        poster.thread.start();
        return poster;
    }

    /** Posts one movie and returns its answer (for tests that post by hand). */
    static HttpResponse<String> post(URI movies, String title) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(movies).timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"title\": \"" + title + "\", \"year\": 2001}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private void run() {
        long next = System.nanoTime();
        for (int n = 1; !stop; n++) {
            String title = "post " + n;
            try {
                HttpResponse<String> answer = post(movies, title);
                if (answer.statusCode() == 201) {
                    JsonNode body = MovieFeed.JSON.readTree(answer.body());
                    accepted.add(body.path("id").asLong());
                } else if (answer.statusCode() == 503) {
                    refused.add(title);
                } else if (answer.statusCode() == 502) {
                    unknown.put(title, "502 from nginx");
                } else {
                    unexpected.add(title + ": " + answer.statusCode() + " " + answer.body());
                }
            } catch (IOException noAnswer) {
                unknown.put(title, noAnswer.toString());
            } catch (InterruptedException e) {
                return;
            }
            next += every.toNanos();
            long wait = next - System.nanoTime();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait); // the pace is the point: a post every `every`
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Stops posting and waits for the post in flight. */
    @Override
    public void close() {
        stop = true;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    List<Long> accepted() {
        return List.copyOf(accepted);
    }

    Set<String> refused() {
        return Set.copyOf(refused);
    }

    /** The posts with no answer, and what came instead. */
    Map<String, String> unknown() {
        return Map.copyOf(unknown);
    }

    /** Answers that are neither 201, 502 nor 503: none are expected. */
    List<String> unexpected() {
        return List.copyOf(unexpected);
    }

    String summary() {
        return accepted.size() + " accepted, " + refused.size() + " refused (503), " + unknown.size()
                + " unknown (502 or no answer)";
    }
}
