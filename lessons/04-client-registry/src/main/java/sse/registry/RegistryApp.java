package sse.registry;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.sse.SseClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sse.support.Lesson;
import sse.support.SameOrigin;
import sse.support.Scheduler;

import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Lesson 04: one feed for every client.
 *
 * <p>Each client that opens {@code /events} joins a {@link ClientRegistry} and is welcomed with the
 * number of clients connected. A {@code POST /movies} with a JSON movie is checked, given an id, and
 * sent to every registered client as one {@code movie} event. A client that leaves is forgotten in
 * {@code onClose}, which Javalin calls when a write to it fails; a heartbeat comment to every client
 * makes sure there is such a write even when nobody posts.
 */
public final class RegistryApp {

    static final String LESSON = "04-client-registry";
    private static final Logger LOG = LoggerFactory.getLogger(RegistryApp.class);

    /**
     * The knobs, with production defaults.
     *
     * @param heartbeatEvery time between two {@code : ping} comments to every client
     * @param maxBodyBytes   the largest {@code POST /movies} body accepted
     */
    public record Options(Duration heartbeatEvery, int maxBodyBytes) {
        public static Options defaults() {
            return new Options(Duration.ofSeconds(15), 4096);
        }
    }

    /** What every client receives: a posted movie with the id the server gave it. */
    public record Movie(long id, String title, int year) {
    }

    /** How many clients are connected: the data of a welcome, and the answer to {@code GET /clients}. */
    public record Clients(int clients) {
    }

    /** The answer to a good {@code POST /movies}: the movie's id and how many clients it was sent to. */
    public record Published(long id, int clients) {
    }

    /** The body of every 4xx: what was wrong, in words. */
    public record Problem(String error) {
    }

    private final Options options;
    private final ClientRegistry registry = new ClientRegistry();
    // Every write to the streams happens holding this lock: see publish().
    private final Object feed = new Object();
    private long lastId; // guarded by feed
    // One thread sends every client's heartbeat.
    private final ScheduledThreadPoolExecutor heartbeat = Scheduler.singleThread("heartbeat");

    public RegistryApp(Options options) {
        this.options = options;
    }

    public static void main(String[] args) {
        Lesson.run(new RegistryApp(Options.defaults()).create(), LESSON);
    }

    /** The server: the page at {@code /}, the stream at {@code /events}, {@code POST /movies} and {@code GET /clients}. */
    public Javalin create() {
        return Javalin.create(config -> {
            Lesson.configure(config, LESSON);
            // Another site's page may send a form here: every POST must come from this server's own pages.
            config.routes.before(SameOrigin::require);
            config.routes.sse("/events", this::onConnect);
            config.routes.post("/movies", this::postMovie);
            config.routes.get("/clients", ctx -> ctx.json(new Clients(registry.count())));
            config.routes.exception(PostedMovie.Rejected.class,
                    (rejected, ctx) -> ctx.status(rejected.status()).json(new Problem(rejected.getMessage())));
            config.events.serverStarted(() -> heartbeat.scheduleAtFixedRate(this::ping,
                    options.heartbeatEvery().toMillis(), options.heartbeatEvery().toMillis(), TimeUnit.MILLISECONDS));
            // Javalin's stop() does not call onClose: stop the heartbeat and let the clients go ourselves.
            config.events.serverStopping(() -> {
                Scheduler.stop(heartbeat);
                registry.closeAll();
            });
        });
    }

    /** How many clients are registered now. */
    public int clients() {
        return registry.count();
    }

    /** Whether the heartbeat thread has stopped (after the server stopped). */
    public boolean heartbeatStopped() {
        return heartbeat.isTerminated();
    }

    private void onConnect(SseClient client) {
        client.keepAlive();
        // Joining and the welcome hold the feed lock too: no movie reaches a client before its
        // welcome, and the number in the welcome is exact.
        synchronized (feed) {
            // TODO 1: add the client to the registry, and remove it when it leaves.
            //   Javalin calls onClose when a write to the client fails. Register it before the first
            //   write: a client that is already gone fails on the welcome.
            sse.support.Todo.remind(1, "add the client to the registry, and remove it in client.onClose(...)",
                    "docs/04-client-registry.md#todo-1-register-the-client");
            // For now the stream says so, as a comment: the browser ignores it, curl and the tests see it.
            client.sendComment("TODO 1 is not done yet: this client is not in the registry, so no movie reaches it"
                    + " (read docs/04-client-registry.md#todo-1-register-the-client)");

            // TODO 2: welcome the client: an event named "welcome" whose data is new Clients(count),
            //   the number of registered clients, this one included.
            sse.support.Todo.remind(2, "send an event named \"welcome\" with new Clients(registry.count())",
                    "docs/04-client-registry.md#todo-2-welcome-with-the-count");
            // For now a comment instead of the welcome event.
            client.sendComment("TODO 2 is not done yet: no welcome (read docs/04-client-registry.md#todo-2-welcome-with-the-count)");
        }
    }

    private void postMovie(Context ctx) {
        // Bad input throws PostedMovie.Rejected, which create() turns into a 4xx: nothing is sent.
        PostedMovie posted = PostedMovie.from(ctx, options.maxBodyBytes());
        ctx.status(HttpStatus.CREATED).json(publish(posted));
    }

    /**
     * Gives the movie the next id and sends it to every client, in one step under one lock: every
     * client receives the movies in the same order, with ids that only go up. The price: while one
     * client is slow to take a write, every other client and every POST waits (lesson 08 fixes that).
     */
    private Published publish(PostedMovie posted) {
        synchronized (feed) {
            long id = ++lastId;
            Movie movie = new Movie(id, posted.title(), posted.year());
            return new Published(id, registry.broadcast("movie", movie, String.valueOf(id)));
        }
    }

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
}
