package sse.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the tests of the movie feed (lessons 04 on) share: reading movie events from a stream,
 * and what a good {@code POST /movies} and a JSON answer must look like. One copy, here.
 */
public final class MovieFeed {

    public static final ObjectMapper JSON = new ObjectMapper();

    private MovieFeed() {
    }

    /** The next {@code count} events that are not the welcome; fails if one of them is not a movie. */
    public static List<ServerSentEvent> movies(EventStream stream, int count, Duration within, String hint) {
        long deadline = System.nanoTime() + within.toNanos();
        List<ServerSentEvent> movies = new ArrayList<>(count);
        while (movies.size() < count) {
            ServerSentEvent event = stream.next(left(deadline), "Got " + movies.size() + " of " + count + " movie(s). " + hint);
            if (!event.type().equals("welcome")) {
                assertEquals("movie", event.type(), "only movie events should follow the welcome, got " + event + ". " + hint);
                movies.add(event);
            }
        }
        return movies;
    }

    /** A good movie was taken: {@code 201 Created}. */
    public static void assertCreated(HttpResponse<String> answer, String hint) {
        assertEquals(201, answer.statusCode(), "POST /movies with a good movie should answer 201 Created. " + hint
                + "\n  answer: " + answer.body());
    }

    /** {@code actual} is JSON equal to {@code expected} (field order aside). */
    public static void assertJson(String expected, String actual, String message) {
        JsonNode got;
        try {
            got = JSON.readTree(actual);
        } catch (IOException e) {
            throw new AssertionError(message + "\n  expected JSON " + expected + " but got: " + actual, e);
        }
        try {
            assertEquals(JSON.readTree(expected), got, message + "\n  got: " + actual);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + expected, e);
        }
    }

    /** The answer of a request sent with {@code sendAsync}, within the time given, or a failure that says so. */
    public static <T> T answer(CompletableFuture<T> pending, Duration within, String hint) {
        try {
            return pending.get(within.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(hint + " (waited " + within.toMillis() + " ms)");
        } catch (ExecutionException e) {
            throw new AssertionError("The request failed: " + e.getCause() + ". " + hint, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** How long is left until {@code deadline} (a {@link System#nanoTime()}), never negative. */
    public static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }
}
