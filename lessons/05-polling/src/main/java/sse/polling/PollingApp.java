package sse.polling;

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

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Lesson 05: one feed, three ways to follow it.
 *
 * <p>Lesson 04's feed is all here: clients of {@code /events} are registered and welcomed, a checked
 * {@code POST /movies} is numbered and sent to each as a {@code movie} event, a heartbeat finds those
 * who left. Each movie now also carries the time it was posted and is kept in a bounded
 * {@link MovieHistory}, so that clients that do not hold a stream can ask for it:
 * {@code GET /movies?after=N} answers at once with every kept movie newer than N (short polling), and
 * {@code GET /movies/wait?after=N} does the same if there is one, and otherwise waits, without holding
 * a thread, until the next movie is published or the long-poll timeout passes (long polling).
 */
public final class PollingApp {

    static final String LESSON = "05-polling";
    private static final Logger LOG = LoggerFactory.getLogger(PollingApp.class);

    /**
     * The knobs, with production defaults.
     *
     * @param heartbeatEvery  time between two {@code : ping} comments to every client
     * @param maxBodyBytes    the largest {@code POST /movies} body accepted
     * @param historySize     how many of the newest movies are kept for polls
     * @param longPollTimeout how long a long poll waits for a movie before it answers {@code []}
     * @param clock           gives each movie its {@code postedAt}
     */
    public record Options(Duration heartbeatEvery, int maxBodyBytes, int historySize, Duration longPollTimeout,
                          Clock clock) {
        public static Options defaults() {
            return new Options(Duration.ofSeconds(15), 4096, 1000, Duration.ofSeconds(25), Clock.systemUTC());
        }
    }

    // From lesson 04 (RegistryApp.java), unchanged:
    /** How many clients are connected: the data of a welcome, and the answer to {@code GET /clients}. */
    public record Clients(int clients) {
    }

    /** The answer to a good {@code POST /movies}: the movie's id and how many clients it was sent to. */
    public record Published(long id, int clients) {
    }
    // (end of lesson 04's code)

    /** {@code GET /stats}: stream clients, long polls waiting now, the newest id, and how many movies are kept. */
    public record Stats(int clients, int waitingLongPolls, long lastId, int keptMovies) {
    }

    // From lesson 04 (RegistryApp.java), unchanged:
    /** The body of every 4xx: what was wrong, in words. */
    public record Problem(String error) {
    }

    private final Options options;
    private final ClientRegistry registry = new ClientRegistry();
    // (end of lesson 04's code)
    private final MovieHistory history;
    private final LongPolls longPolls;
    // Every write to the streams, and every change to what polls see, happens holding this lock: see publish().
    private final Object feed = new Object();
    private long lastId; // guarded by feed
    // One thread sends every client's heartbeat.
    private final ScheduledThreadPoolExecutor heartbeat = Scheduler.singleThread("heartbeat");

    public PollingApp(Options options) {
        this.options = options;
        this.history = new MovieHistory(options.historySize());
        this.longPolls = new LongPolls(options.longPollTimeout());
    }

    public static void main(String[] args) {
        Lesson.run(new PollingApp(Options.defaults()).create(), LESSON);
    }

    /** The server: the page at {@code /}, the stream at {@code /events}, the polls at {@code /movies} and {@code /movies/wait}. */
    public Javalin create() {
        return Javalin.create(config -> {
            Lesson.configure(config, LESSON);
            // Another site's page may send a form here: every POST must come from this server's own pages.
            config.routes.before(SameOrigin::require);
            config.routes.sse("/events", this::onConnect);
            config.routes.post("/movies", this::postMovie);
            config.routes.get("/movies", this::shortPoll);
            config.routes.get("/movies/wait", this::longPoll);
            config.routes.get("/clients", ctx -> ctx.json(new Clients(registry.count())));
            config.routes.get("/stats", ctx -> ctx.json(stats()));
            config.routes.exception(PostedMovie.Rejected.class,
                    (rejected, ctx) -> ctx.status(rejected.status()).json(new Problem(rejected.getMessage())));
            config.events.serverStarted(() -> heartbeat.scheduleAtFixedRate(this::ping,
                    options.heartbeatEvery().toMillis(), options.heartbeatEvery().toMillis(), TimeUnit.MILLISECONDS));
            // Javalin's stop() does not call onClose: stop the timers, answer the polls and let the clients go ourselves.
            config.events.serverStopping(() -> {
                Scheduler.stop(heartbeat);
                longPolls.stop();
                registry.closeAll();
            });
        });
    }

    /** What {@code GET /stats} answers, taken in one moment. */
    public Stats stats() {
        synchronized (feed) {
            return new Stats(registry.count(), longPolls.count(), lastId, history.size());
        }
    }

    /** Whether the heartbeat and the long-poll timer have stopped (after the server stopped). */
    public boolean timersStopped() {
        return heartbeat.isTerminated() && longPolls.stopped();
    }

    // From lesson 04 (RegistryApp.java), unchanged:
    private void onConnect(SseClient client) {
        client.keepAlive();
        // Joining and the welcome hold the feed lock too: no movie reaches a client before its
        // welcome, and the number in the welcome is exact.
        synchronized (feed) {
            client.onClose(() -> registry.remove(client));
            registry.add(client);

            client.sendEvent("welcome", new Clients(registry.count()));
        }
    }

    private void postMovie(Context ctx) {
        // Bad input throws PostedMovie.Rejected, which create() turns into a 4xx: nothing is sent.
        PostedMovie posted = PostedMovie.from(ctx, options.maxBodyBytes());
        ctx.status(HttpStatus.CREATED).json(publish(posted));
    }
    // (end of lesson 04's code)

    /** {@code GET /movies?after=N}: every kept movie newer than N, at once, oldest first; often {@code []}. */
    private void shortPoll(Context ctx) {
        // TODO 1: read after with AfterId.from(ctx) and answer with the kept movies newer than it
        //   (history.after(...)) as JSON. Then finish AfterId.parse, the check of after.
        throw sse.support.Todo.todo(1, "answer with the kept movies newer than after, as JSON",
                "docs/05-polling.md#todo-1-the-short-poll");
    }

    /**
     * {@code GET /movies/wait?after=N}: like the short poll when a movie newer than N is kept; otherwise
     * the next movie published, or {@code []} once the long-poll timeout has passed.
     */
    private void longPoll(Context ctx) {
        long after = AfterId.from(ctx);
        // TODO 2: if movies newer than after are kept, answer with them at once, as the short poll does.
        //   If not, park the poll (longPolls.park(after)) and give Javalin its future: ctx.future(...).
        //   The thread goes back to the pool; Javalin answers when the future completes. Check and park
        //   holding the feed lock, or a movie published between the two is missed.
        throw sse.support.Todo.todo(2, "answer at once if a newer movie is kept; if not, park the poll "
                + "and give its future to ctx.future(...)", "docs/05-polling.md#todo-2-wait-without-a-thread");
    }

    /**
     * Gives the movie the next id and its time, keeps it for the polls, sends it to every stream
     * client and answers every waiting long poll, in one step under one lock: every transport
     * delivers the movies in the same order, and a long poll that is about to wait cannot miss one.
     * The price: while one client is slow to take a write, everything else waits (lesson 08 fixes that).
     */
    private Published publish(PostedMovie posted) {
        synchronized (feed) {
            long id = ++lastId;
            Movie movie = new Movie(id, posted.title(), posted.year(), options.clock().millis());
            history.add(movie);
            int clients = registry.broadcast("movie", movie, String.valueOf(id));
            longPolls.wakeAll(history);
            return new Published(id, clients);
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
