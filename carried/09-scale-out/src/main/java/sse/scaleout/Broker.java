// Lesson 09-scale-out's finished code, generated from solutions/09-scale-out/src/main/java/sse/scaleout/Broker.java: edit that file, then run ./mvnw -q -pl tools compile exec:java -Dexec.args="starters --write".
package sse.scaleout;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where movies are stored and numbered, so that every instance of the feed sends the same movies, with
 * the same ids, in the same order. Each instance publishes through it and hears back from it, its own
 * movies included: one path for everything, so one order.
 *
 * <p>{@link InMemoryBroker} serves one instance; {@link RedisBroker} serves many, through a Redis stream.
 */
public interface Broker extends AutoCloseable {

    /** A stored movie: its id, given by the broker, unique and increasing across every instance. */
    record Stored(long id, String title, int year) {
    }

    /** The broker cannot store or read right now: nothing was stored. */
    final class Unavailable extends RuntimeException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    /**
     * Stores a movie and returns it with its id. When this returns, the movie is stored: every
     * subscriber will hear of it, and {@link #after} will give it.
     *
     * @throws Unavailable when it could not be stored (nothing was stored)
     */
    Stored publish(String title, int year);

    /**
     * Hands every movie stored after {@code after} to {@code listener}, oldest first, one at a time,
     * on one thread of the broker's: those stored already, then each new one as it is stored. Once.
     */
    void subscribe(long after, Consumer<Stored> listener);

    /**
     * The stored movies after {@code id}, oldest first, or empty when the broker no longer keeps them
     * all (its history is capped): that client gets lesson 07's {@code reset}.
     */
    Optional<List<Stored>> after(long id);

    /** The newest id given out, 0 before the first. */
    long newestId();

    /** Whether the broker answers now. */
    boolean healthy();

    @Override
    void close();
}
