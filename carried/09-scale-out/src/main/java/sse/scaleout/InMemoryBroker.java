// Lesson 09-scale-out's finished code, generated from solutions/09-scale-out/src/main/java/sse/scaleout/InMemoryBroker.java: edit that file, then run ./mvnw -q -pl tools compile exec:java -Dexec.args="starters --write".
package sse.scaleout;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The broker of one instance: the movies in memory, capped, numbered by a counter. What lesson 08 did
 * inside its app, behind the {@link Broker} interface; the default, so that one instance runs with
 * nothing else installed.
 */
public final class InMemoryBroker implements Broker {

    private final int capacity;
    private final ArrayDeque<Stored> kept = new ArrayDeque<>(); // oldest first; guarded by this
    private final List<Consumer<Stored>> listeners = new ArrayList<>(); // guarded by this
    private long newestId; // guarded by this
    // The listeners hear of movies on this thread, in order, as from Redis: never on the poster's thread.
    private final ExecutorService delivery = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "broker-delivery");
        thread.setDaemon(true);
        return thread;
    });

    public InMemoryBroker(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a broker keeps at least one movie, not " + capacity);
        }
        this.capacity = capacity;
    }

    @Override
    public synchronized Stored publish(String title, int year) {
        Stored movie = new Stored(++newestId, title, year);
        if (kept.size() == capacity) {
            kept.removeFirst();
        }
        kept.addLast(movie);
        List<Consumer<Stored>> now = List.copyOf(listeners);
        delivery.execute(() -> now.forEach(listener -> listener.accept(movie)));
        return movie;
    }

    @Override
    public synchronized void subscribe(long after, Consumer<Stored> listener) {
        List<Stored> backlog = kept.stream().filter(movie -> movie.id() > after).toList();
        delivery.execute(() -> backlog.forEach(listener));
        listeners.add(listener);
    }

    @Override
    public synchronized Optional<List<Stored>> after(long id) {
        Stored oldest = kept.peekFirst();
        if (oldest != null && oldest.id() > id + 1) {
            return Optional.empty();
        }
        return Optional.of(kept.stream().filter(movie -> movie.id() > id).toList());
    }

    @Override
    public synchronized long newestId() {
        return newestId;
    }

    @Override
    public boolean healthy() {
        return true;
    }

    @Override
    public void close() {
        delivery.shutdown();
        try {
            delivery.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
