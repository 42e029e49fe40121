package sse.rawstream;

import io.javalin.Javalin;
import io.javalin.http.Context;
import sse.support.Lesson;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Lesson 01: an event stream written by hand.
 *
 * No SSE library yet: a plain GET handler sends the headers of {@code text/event-stream}, then
 * writes {@code data: <time>} and a blank line every second, flushing each one, as the Node
 * examples do with {@code res.writeHead} and {@code res.write}. The loop ends when a write fails,
 * because that is how a server learns the client has gone. Until then the handler keeps its
 * server thread: lesson 02 measures what that costs.
 */
public final class RawStreamApp {

    static final String LESSON = "01-raw-stream";

    /**
     * The knobs, with production defaults.
     *
     * @param interval    time between two events
     * @param clock       where the time in each event comes from (tests use a fixed one)
     * @param allowOrigin the page origin allowed to read the stream from elsewhere, or null for none
     */
    public record Options(Duration interval, Clock clock, String allowOrigin) {
        public static Options defaults() {
            return new Options(Duration.ofSeconds(1), Clock.systemUTC(), null);
        }
    }

    private final Options options;
    private final AtomicInteger openStreams = new AtomicInteger();

    public RawStreamApp(Options options) {
        this.options = options;
    }

    public static void main(String[] args) {
        Lesson.run(new RawStreamApp(Options.defaults()).create(), LESSON);
    }

    /** The server: the lesson's page at {@code /} and the stream at {@code /events}. */
    public Javalin create() {
        return Javalin.create(config -> {
            Lesson.configure(config, LESSON);
            config.routes.get("/events", this::stream);
        });
    }

    /** How many streams are being written right now: each one holds a server thread. */
    public int openStreams() {
        return openStreams.get();
    }

    private void stream(Context ctx) throws IOException, InterruptedException {
        startEventStream(ctx);
        allowCrossOrigin(ctx);
        // The headers leave now, not with the first event: the browser's EventSource opens at once.
        ctx.res().flushBuffer();
        openStreams.incrementAndGet();
        try {
            // The servlet's own stream: ctx.outputStream() may compress, which would hold events back.
            sendTimeUntilClientLeaves(ctx.res().getOutputStream());
        } finally {
            openStreams.decrementAndGet();
        }
    }

    /** The status and headers that make a response an event stream. */
    static void startEventStream(Context ctx) {
        // TODO 1: answer 200 with the headers of an event stream:
        //   Content-Type "text/event-stream; charset=utf-8" (UTF-8 is the only encoding SSE allows)
        //   and Cache-Control no-cache, so no cache or proxy keeps a copy of a live stream.
        throw sse.support.Todo.todo(1, "send status 200, Content-Type text/event-stream and Cache-Control no-cache",
                "docs/01-raw-stream.md#todo-1-the-headers");
    }

    /**
     * A page served from another origin (say a dev server on port 5173) may read this stream
     * only if the response names its origin. "*" lets every site on the internet read it:
     * fine for public data, a leak for anything else, so it is a choice, not a default.
     */
    private void allowCrossOrigin(Context ctx) {
        if (options.allowOrigin() != null) {
            ctx.header("Access-Control-Allow-Origin", options.allowOrigin());
        }
    }

    /** Writes one event: its data line, then the blank line that tells the browser to dispatch it. */
    static void sendEvent(OutputStream out, String data) throws IOException {
        // TODO 2: write "data: " + data, then an empty line, and flush.
        //   Without the blank line the browser never dispatches the event; without the flush
        //   the bytes wait in a server buffer.
        sse.support.Todo.remind(2, "write \"data: \" + data and a blank line, then flush",
                "docs/01-raw-stream.md#todo-2-one-event");
    }

    /** Sends the time every interval, and returns when the client has gone or the server stops. */
    void sendTimeUntilClientLeaves(OutputStream out) throws InterruptedException {
        // TODO 3: loop: send the current time (sendEvent), then sleep one interval.
        //   When the client leaves, the next write throws an IOException: catch it and return,
        //   so the handler ends and its thread goes back to the pool.
        sse.support.Todo.remind(3, "send the time every interval until a write fails, then return",
                "docs/01-raw-stream.md#todo-3-until-the-client-leaves");
        // For now: one event, then the handler returns and the stream ends.
        try {
            sendEvent(out, options.clock().instant().truncatedTo(ChronoUnit.SECONDS).toString());
        } catch (IOException clientLeft) {
            // Gone already.
        }
    }
}
