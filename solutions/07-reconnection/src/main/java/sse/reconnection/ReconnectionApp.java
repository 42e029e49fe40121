package sse.reconnection;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.sse.SseClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sse.registry.ClientRegistry;
import sse.registry.PostedMovie;
import sse.support.Lesson;
import sse.support.SameOrigin;
import sse.support.Scheduler;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Lesson 07: a feed that a browser can come back to.
 *
 * <p>Lesson 04's feed, with a bounded {@link MovieHistory} as in lesson 05. Every stream starts with
 * {@code retry:}, the time a browser waits before it reconnects. Every movie carries its id, and a
 * browser that comes back sends the last one it saw in {@code Last-Event-ID}: it is sent exactly the
 * movies after it, then the live feed. A client whose id the history can no longer serve gets a
 * {@code reset} event instead. While the feed is closed, {@code GET /events} answers {@code 204}, and
 * a browser stops for good. The {@code /admin} routes drop, close and reopen the feed, for teaching.
 */
public final class ReconnectionApp {

    static final String LESSON = "07-reconnection";
    private static final Logger LOG = LoggerFactory.getLogger(ReconnectionApp.class);
    /** The longest id that can be read: {@code Long.MAX_VALUE} has 19 digits. */
    static final int MAX_ID_DIGITS = 19;

    /**
     * The knobs, with production defaults.
     *
     * @param heartbeatEvery time between two {@code : ping} comments to every client
     * @param maxBodyBytes   the largest {@code POST /movies} body accepted
     * @param historySize    how many of the newest movies are kept for clients that come back
     * @param retry          how long a browser waits before it reconnects, sent as {@code retry:}
     */
    public record Options(Duration heartbeatEvery, int maxBodyBytes, int historySize, Duration retry) {
        public static Options defaults() {
            return new Options(Duration.ofSeconds(15), 4096, 1000, Duration.ofSeconds(2));
        }
    }

    /** What every client receives: a posted movie with the id the server gave it. */
    public record Movie(long id, String title, int year) {
    }

    /** The first event of a new client: how many clients there are, the newest id and the retry in ms. */
    public record Welcome(int clients, long lastId, long retry) {
    }

    /** Sent instead of a replay the history cannot give: reload your state, the newest id is this. */
    public record Reset(long lastId) {
    }

    /** The answer to a good {@code POST /movies}: the movie's id and how many clients it was sent to. */
    public record Published(long id, int clients) {
    }

    /** The answer of the {@code /admin} routes: whether the feed is open, and how many streams were ended. */
    public record FeedState(boolean open, int dropped) {
    }

    // From lesson 04 (RegistryApp.java), unchanged:
    /** The body of every 4xx: what was wrong, in words. */
    public record Problem(String error) {
    }

    private final Options options;
    private final ClientRegistry registry = new ClientRegistry();
    // (end of lesson 04's code)
    private final MovieHistory history;
    // Every write to the streams, every publish and every join happens holding this lock: see onConnect().
    private final Object feed = new Object();
    private long lastId; // guarded by feed
    private volatile boolean open = true; // changed under feed; read without it by the gate
    // One thread sends every client's heartbeat.
    private final ScheduledThreadPoolExecutor heartbeat = Scheduler.singleThread("heartbeat");

    public ReconnectionApp(Options options) {
        this.options = options;
        this.history = new MovieHistory(options.historySize());
    }

    public static void main(String[] args) {
        Lesson.run(new ReconnectionApp(Options.defaults()).create(), LESSON);
    }

    /** The server: the page at {@code /}, the stream at {@code /events}, the movies at {@code /movies}, and {@code /admin}. */
    public Javalin create() {
        return Javalin.create(config -> {
            Lesson.configure(config, LESSON);
            // Another site's page may send a form here: every POST must come from this server's own pages.
            config.routes.before(SameOrigin::require);
            config.routes.before("/events", this::gate);
            config.routes.sse("/events", this::onConnect);
            config.routes.post("/movies", this::postMovie);
            config.routes.get("/movies", ctx -> ctx.json(history.all()));
            // A teaching tool without a password, refused from other origins by SameOrigin above: never ship these without auth.
            config.routes.post("/admin/drop", ctx -> ctx.json(drop()));
            config.routes.post("/admin/close", ctx -> ctx.json(setOpen(false)));
            config.routes.post("/admin/open", ctx -> ctx.json(setOpen(true)));
            // From lesson 04 (RegistryApp.java), unchanged:
            config.routes.exception(PostedMovie.Rejected.class,
                    (rejected, ctx) -> ctx.status(rejected.status()).json(new Problem(rejected.getMessage())));
            config.events.serverStarted(() -> heartbeat.scheduleAtFixedRate(this::ping,
                    options.heartbeatEvery().toMillis(), options.heartbeatEvery().toMillis(), TimeUnit.MILLISECONDS));
            // Javalin's stop() does not call onClose: stop the heartbeat and let the clients go ourselves.
            config.events.serverStopping(() -> {
                Scheduler.stop(heartbeat);
                registry.closeAll();
            });
            // (end of lesson 04's code)
        });
    }

    /** How many clients are registered now. */
    public int clients() {
        return registry.count();
    }

    /** Runs before the stream handler: a closed feed tells the browser to stop. */
    private void gate(Context ctx) {
        // TODO 3: while the feed is closed (!open), answer 204 No Content and skip the stream handler
        //   (ctx.skipRemainingHandlers()). A browser that gets anything but a 200 text/event-stream
        //   stops for good; a stream that just ends makes it come back, again and again.
        // solution:begin TODO 3
        if (!open) {
            ctx.status(HttpStatus.NO_CONTENT);
            ctx.skipRemainingHandlers();
        }
        // solution:end
    }

    private void onConnect(SseClient client) {
        client.keepAlive();
        String lastEventId = client.ctx().header("Last-Event-ID");
        // Joining, the retry and the replay hold the feed lock, as publish() does: no movie can be
        // published between the replay and the registration, so none is missed and none comes twice.
        synchronized (feed) {
            // Register before the first write: a client that is already gone fails on it.
            client.onClose(() -> registry.remove(client));
            if (!open) {
                client.close(); // closed after this request passed the gate: it comes back and meets the 204
                return;
            }
            registry.add(client);
            try {
                sendRetry(client);
            } catch (IOException gone) {
                client.close();
                return;
            }
            resume(client, lastEventId);
        }
    }

    /** Writes the {@code retry:} field, which Javalin has no method for. Holds the feed lock. */
    private void sendRetry(SseClient client) throws IOException {
        // TODO 1: write "retry: " + options.retry().toMillis() and a line end to the response's own
        //   stream, client.ctx().res().getOutputStream(), then flush. Only a line: no blank line after
        //   it. The field applies as soon as it is read; the next event's blank line ends its block.
        // solution:begin TODO 1
        OutputStream out = client.ctx().res().getOutputStream();
        out.write(("retry: " + options.retry().toMillis() + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        // solution:end
    }

    /**
     * Welcomes a new client, or catches up one that comes back: the movies after its
     * {@code Last-Event-ID}, or a {@code reset} when the history cannot give them. Holds the feed lock.
     */
    private void resume(SseClient client, String lastEventId) {
        if (lastEventId == null || lastEventId.isEmpty()) {
            // A browser sends no Last-Event-ID until it has seen an id: a new client. Its welcome
            // carries the newest id, so that if it is dropped before its first movie, it comes back
            // with that id and is sent what it missed.
            client.sendEvent("welcome", new Welcome(registry.count(), lastId, options.retry().toMillis()),
                    String.valueOf(lastId));
            return;
        }
        // TODO 2: read the id with idOf(lastEventId). If it is -1 (not an id), greater than lastId (never
        //   given out: the server restarted?) or older than the history keeps (history.keepsEverythingAfter),
        //   send a "reset" event, new Reset(lastId) with id lastId. Otherwise send each movie of
        //   history.after(id) as a "movie" event with its id, as publish() does. Equal to lastId: nothing.
        // solution:begin TODO 2
        long seen = idOf(lastEventId);
        if (seen < 0 || seen > lastId || !history.keepsEverythingAfter(seen)) {
            client.sendEvent("reset", new Reset(lastId), String.valueOf(lastId));
            return;
        }
        for (Movie missed : history.after(seen)) {
            client.sendEvent("movie", missed, String.valueOf(missed.id()));
        }
        // solution:end
    }

    /**
     * A {@code Last-Event-ID} as an id, or -1 if it is not one: only ASCII digits, at most 19 of them,
     * and a value that fits a {@code long}. A stranger's header never gets further than this.
     */
    static long idOf(String header) {
        if (header.isEmpty() || header.length() > MAX_ID_DIGITS
                || !header.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        try {
            return Long.parseLong(header);
        } catch (NumberFormatException tooLarge) {
            return -1;
        }
    }

    // From lesson 04 (RegistryApp.java), unchanged:
    private void postMovie(Context ctx) {
        // Bad input throws PostedMovie.Rejected, which create() turns into a 4xx: nothing is sent.
        PostedMovie posted = PostedMovie.from(ctx, options.maxBodyBytes());
        ctx.status(HttpStatus.CREATED).json(publish(posted));
    }
    // (end of lesson 04's code)

    /**
     * Gives the movie the next id, keeps it in the history and sends it to every client, in one step
     * under one lock: every client receives the movies in the same order, with ids that only go up, and
     * a client joining or replaying sees either all of this step or none of it.
     */
    private Published publish(PostedMovie posted) {
        synchronized (feed) {
            long id = ++lastId;
            Movie movie = new Movie(id, posted.title(), posted.year());
            history.add(movie);
            return new Published(id, registry.broadcast("movie", movie, String.valueOf(id)));
        }
    }

    /** {@code POST /admin/drop}: ends every stream, as a deploy would; the browsers come back by themselves. */
    private FeedState drop() {
        synchronized (feed) {
            return new FeedState(open, registry.closeAll());
        }
    }

    /** {@code POST /admin/close} and {@code /admin/open}: closing also ends the open streams, so they meet the 204. */
    private FeedState setOpen(boolean value) {
        synchronized (feed) {
            open = value;
            return new FeedState(open, value ? 0 : registry.closeAll());
        }
    }

    // From lesson 04 (RegistryApp.java), unchanged:
    /** A periodic task that throws is cancelled without a word: say what went wrong instead. */
    private void ping() {
        try {
            // Under the feed lock as well: Javalin guards the lines of an event, not those of a comment.
            synchronized (feed) {
                registry.ping();
            }
        } catch (RuntimeException e) {
            LOG.warn("Heartbeat failed: {}", e.toString());
        }
    }
    // (end of lesson 04's code)
}
