package sse.production.compare;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import sse.production.StreamServer;
import sse.registry.PostedMovie;
import sse.support.Lesson;
import sse.support.SameOrigin;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static sse.production.StreamServer.json;

/**
 * Not an exercise: the design lesson 08 is measured against (see the {@code capacity} benchmark in
 * docs/tools.md). Lesson 01's handler, grown into a feed: each stream is a plain blocking handler that
 * writes {@code text/event-stream} by hand and loops, taking frames from its own queue and writing them.
 * A {@code POST /movies} puts one frame in every queue.
 *
 * <p>Each open stream keeps its handler's thread. With Jetty's platform threads (Java 17) that is about
 * 250 streams, and then nothing else is answered (lessons 01 and 02). With
 * {@code config.concurrency.useVirtualThreads} on Java 21 or newer, Javalin runs every request on a
 * virtual thread: a blocked one costs a few KB of heap, not a thread of the operating system, so the
 * simple code holds thousands of streams. On Java 17 Javalin quietly keeps its platform threads.
 *
 * <p>What it does not do, and lesson 08 does: its queues have no limit, so a client that stops reading
 * piles up frames until Jetty's idle timeout (30 s) fails its blocked write; no {@code id} replay, no
 * {@code retry:}, no draining on stop.
 */
public final class ThreadPerStreamApp {

    static final String LESSON = "08-production";
    private static final byte[] PING = ": ping\n\n".getBytes(StandardCharsets.UTF_8);

    /** What every client receives, as in lesson 04. */
    public record Movie(long id, String title, int year) {
    }

    /** The answer to a good {@code POST /movies}: the movie's id and how many streams it was queued for. */
    public record Published(long id, int clients) {
    }

    /** How many streams are open: {@code GET /clients}, as in lesson 04. */
    public record Clients(int clients) {
    }

    /** The body of every 4xx: what was wrong, in words. */
    public record Problem(String error) {
    }

    // One queue per open stream; its handler's thread is the only one that takes from it.
    private final Set<BlockingQueue<byte[]>> streams = ConcurrentHashMap.newKeySet();
    private final Object feed = new Object(); // one movie at a time, so every queue gets them in id order
    private long lastId; // guarded by feed

    public static void main(String[] args) {
        Lesson.run(new ThreadPerStreamApp().create(true), LESSON);
    }

    /** The server; {@code virtualThreads} asks Javalin for a virtual thread per request (Java 21 and newer). */
    public Javalin create(boolean virtualThreads) {
        return Javalin.create(config -> {
            Lesson.configure(config, LESSON);
            config.concurrency.useVirtualThreads = virtualThreads;
            // Lesson 08's accept queue, so that what the benchmark compares is the thread per stream.
            config.jetty.addConnector((server, http) -> StreamServer.connector(server, http, config.jetty.host, config.jetty.port));
            config.routes.before(SameOrigin::require);
            config.routes.get("/events", this::stream);
            config.routes.post("/movies", this::postMovie);
            config.routes.get("/clients", ctx -> ctx.json(new Clients(clients())));
            config.routes.exception(PostedMovie.Rejected.class,
                    (rejected, ctx) -> ctx.status(rejected.status()).json(new Problem(rejected.getMessage())));
        });
    }

    /** How many streams are open now. */
    public int clients() {
        return streams.size();
    }

    /** {@code GET /events}: the whole life of one stream, on the request's own thread. */
    private void stream(Context ctx) throws InterruptedException {
        ctx.status(200);
        ctx.contentType("text/event-stream; charset=utf-8");
        ctx.header("Cache-Control", "no-cache");
        BlockingQueue<byte[]> queue = new LinkedBlockingQueue<>(); // no limit: see the class comment
        streams.add(queue);
        try {
            // The servlet's own stream, as in lesson 01: ctx.outputStream() may compress.
            OutputStream out = ctx.res().getOutputStream();
            out.write(PING); // sends the headers now: the browser's EventSource opens
            out.flush();
            while (true) {
                // Waits for the next frame; with nothing to send for 15 s, a ping finds out whether the client is still there.
                byte[] frame = queue.poll(15, TimeUnit.SECONDS);
                out.write(frame != null ? frame : PING); // blocks while the client's socket is full
                out.flush();
            }
        } catch (IOException clientLeft) {
            // The only way a blocking handler learns the client has gone: its write fails.
        } finally {
            streams.remove(queue);
        }
    }

    /** {@code POST /movies}: lesson 04's checked movie, numbered and queued for every stream. */
    private void postMovie(Context ctx) {
        PostedMovie posted = PostedMovie.from(ctx, 4096);
        synchronized (feed) {
            long id = ++lastId;
            byte[] frame = ("event: movie\nid: " + id + "\ndata: " + json(new Movie(id, posted.title(), posted.year())) + "\n\n")
                    .getBytes(StandardCharsets.UTF_8);
            int queued = 0;
            for (BlockingQueue<byte[]> queue : streams) {
                queue.add(frame); // never blocks: the queue has no limit
                queued++;
            }
            ctx.status(HttpStatus.CREATED).json(new Published(id, queued));
        }
    }
}
