package sse.polling;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * The newest movies, so that a poll can ask "what came after id 41?". An SSE client is sent each
 * movie as it happens; a polling client comes and asks later, so the server must keep what it asks
 * for. Kept in memory and bounded: when the history is full, the oldest movie drops out, and a
 * client that has fallen further behind than that never gets it (lesson 07 tells such a client).
 *
 * <p>Safe to use from any thread: every method holds this object's lock, briefly. Ids must go up,
 * which {@code PollingApp.publish} guarantees by numbering and adding under one lock.
 */
public final class MovieHistory {

    private final int capacity;
    private final ArrayDeque<Movie> movies; // oldest first; guarded by this

    public MovieHistory(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a history keeps at least one movie, not " + capacity);
        }
        this.capacity = capacity;
        this.movies = new ArrayDeque<>(Math.min(capacity, 1024));
    }

    /** Adds the newest movie, dropping the oldest when the history is full. */
    public synchronized void add(Movie movie) {
        Movie newest = movies.peekLast();
        if (newest != null && movie.id() <= newest.id()) {
            throw new IllegalArgumentException("ids must go up: " + movie.id() + " after " + newest.id());
        }
        if (movies.size() == capacity) {
            movies.removeFirst();
        }
        movies.addLast(movie);
    }

    /** The kept movies whose id is greater than {@code id}, oldest first; empty if there are none. */
    public synchronized List<Movie> after(long id) {
        List<Movie> newer = new ArrayList<>();
        // From the newest back: a poll usually asks for the last few, so this stops early.
        for (Iterator<Movie> back = movies.descendingIterator(); back.hasNext(); ) {
            Movie movie = back.next();
            if (movie.id() <= id) {
                break;
            }
            newer.add(movie);
        }
        Collections.reverse(newer);
        return Collections.unmodifiableList(newer);
    }

    /** How many movies are kept now. */
    public synchronized int size() {
        return movies.size();
    }
}
