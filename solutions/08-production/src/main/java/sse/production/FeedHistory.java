package sse.production;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Lesson 07's bounded history (lesson 09 keeps its copy of the broker's stream in one), keeping each movie's frame beside it: a replay sends the bytes the
 * broadcast sent, encoded once. It can be saved when the server stops and read back when it starts,
 * so that browsers coming back after a restart are sent what they missed instead of a {@code reset}.
 *
 * <p>Safe to use from any thread: every method holds this object's lock, briefly.
 */
public final class FeedHistory {

    /** A kept movie and the frame that carries it. */
    public record Entry(Movie movie, byte[] frame) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final int capacity;
    private final ArrayDeque<Entry> entries; // oldest first; guarded by this

    public FeedHistory(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a history keeps at least one movie, not " + capacity);
        }
        this.capacity = capacity;
        this.entries = new ArrayDeque<>(Math.min(capacity, 1024));
    }

    /** Adds the newest movie, dropping the oldest when the history is full. Ids must go up by one. */
    public synchronized void add(Movie movie, byte[] frame) {
        Entry newest = entries.peekLast();
        if (newest != null && movie.id() != newest.movie().id() + 1) {
            throw new IllegalArgumentException("ids must go up by one: " + movie.id() + " after " + newest.movie().id());
        }
        if (entries.size() == capacity) {
            entries.removeFirst();
        }
        entries.addLast(new Entry(movie, frame));
    }

    /** Whether every movie after {@code id} is still kept (lesson 07). */
    public synchronized boolean keepsEverythingAfter(long id) {
        Entry oldest = entries.peekFirst();
        return oldest == null || oldest.movie().id() <= id + 1;
    }

    /** The frames of the kept movies whose id is greater than {@code id}, oldest first. */
    public synchronized List<byte[]> framesAfter(long id) {
        List<byte[]> newer = new ArrayList<>();
        for (Iterator<Entry> back = entries.descendingIterator(); back.hasNext(); ) {
            Entry entry = back.next();
            if (entry.movie().id() <= id) {
                break;
            }
            newer.add(0, entry.frame());
        }
        return newer;
    }

    /** Every kept movie, oldest first. */
    public synchronized List<Movie> movies() {
        return entries.stream().map(Entry::movie).toList();
    }

    /** The newest kept id, or 0 when nothing is kept. */
    public synchronized long newestId() {
        Entry newest = entries.peekLast();
        return newest == null ? 0 : newest.movie().id();
    }

    /** Writes the kept movies to {@code file}, one JSON object per line, replacing it in one step. */
    public synchronized void save(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path partial = Files.createTempFile(parent, file.getFileName().toString(), ".partial");
        try (BufferedWriter writer = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
            for (Entry entry : entries) {
                writer.write(JSON.writeValueAsString(entry.movie()));
                writer.write('\n');
            }
        }
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The movies saved in {@code file} by {@link #save}, oldest first; none if there is no file. */
    public static List<Movie> load(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        List<Movie> movies = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                movies.add(JSON.readValue(line, Movie.class));
            }
        }
        return movies;
    }
}
