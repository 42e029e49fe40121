package sse.reconnection;

import sse.reconnection.ReconnectionApp.Movie;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * The newest movies, so that a client that reconnects can be sent what it missed. Kept in memory and
 * bounded: when the history is full, the oldest movie drops out, and a client that has fallen further
 * behind than that cannot be caught up (it gets a {@code reset} instead).
 *
 * <p>Safe to use from any thread: every method holds this object's lock, briefly. Ids must go up by
 * one, which {@code ReconnectionApp.publish} guarantees by numbering and adding under one lock.
 */
final class MovieHistory {

    private final int capacity;
    private final ArrayDeque<Movie> movies; // oldest first; guarded by this

    MovieHistory(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a history keeps at least one movie, not " + capacity);
        }
        this.capacity = capacity;
        this.movies = new ArrayDeque<>(Math.min(capacity, 1024));
    }

    /** Adds the newest movie, dropping the oldest when the history is full. */
    synchronized void add(Movie movie) {
        Movie newest = movies.peekLast();
        if (newest != null && movie.id() != newest.id() + 1) {
            throw new IllegalArgumentException("ids must go up by one: " + movie.id() + " after " + newest.id());
        }
        if (movies.size() == capacity) {
            movies.removeFirst();
        }
        movies.addLast(movie);
    }

    /**
     * Whether every movie after {@code id} is still kept, so that a client that saw {@code id} can be
     * caught up without a gap. (Whether {@code id} was ever given out is the caller's question.)
     */
    synchronized boolean keepsEverythingAfter(long id) {
        Movie oldest = movies.peekFirst();
        return oldest == null || oldest.id() <= id + 1;
    }

    /** The kept movies whose id is greater than {@code id}, oldest first; empty if there are none. */
    synchronized List<Movie> after(long id) {
        List<Movie> newer = new ArrayList<>();
        // From the newest back: a reconnecting client usually missed only the last few.
        // From lesson 05 (MovieHistory.java), unchanged:
        for (Iterator<Movie> back = movies.descendingIterator(); back.hasNext(); ) {
            Movie movie = back.next();
            if (movie.id() <= id) {
                break;
            }
            newer.add(movie);
        }
        Collections.reverse(newer);
        return Collections.unmodifiableList(newer);
        // (end of lesson 05's code)
    }

    /** Every kept movie, oldest first. */
    synchronized List<Movie> all() {
        return List.copyOf(movies);
    }
}
