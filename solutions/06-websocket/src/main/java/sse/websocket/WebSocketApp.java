package sse.websocket;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.sse.SseClient;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sse.polling.AfterId;
import sse.polling.LongPolls;
import sse.polling.Movie;
import sse.polling.MovieHistory;
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
 * Lesson 06: the same feed over a WebSocket as well.
 *
 * <p>Lesson 05's server is all here: the event stream at {@code /events}, the short and long polls at
 * {@code /movies} and {@code /movies/wait}, and the checked {@code POST /movies} that feeds them all.
 * A {@link SocketFeed} at {@code /ws} adds the fourth way: every open socket gets each movie as a JSON
 * message, and a socket can also send: a chat message goes to every socket, which SSE cannot do on
 * its own connection. One server with all four transports, so they can be compared on equal terms.
 */
public final class WebSocketApp {

    static final String LESSON = "06-websocket";
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketApp.class);

    // From lesson 05 (PollingApp.java), unchanged:
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

    /** How many clients are connected: the data of a welcome, and the answer to {@code GET /clients}. */
    public record Clients(int clients) {
    }

    /** The answer to a good {@code POST /movies}: the movie's id and how many clients it was sent to. */
    public record Published(long id, int clients) {
    }
    // (end of lesson 05's code)

    /** {@code GET /stats}: stream clients, open sockets, long polls waiting now, the newest id, movies kept, and server threads. */
    public record Stats(int clients, int sockets, int waitingLongPolls, long lastId, int keptMovies, int serverThreads,
                        int busyServerThreads) {
    }

    // From lesson 05 (PollingApp.java), unchanged:
    /** The body of every 4xx: what was wrong, in words. */
    public record Problem(String error) {
    }

    private final Options options;
    private final ClientRegistry registry = new ClientRegistry();
    private final MovieHistory history;
    private final LongPolls longPolls;
    // Every write to the streams, and every change to what polls see, happens holding this lock: see publish().
    private final Object feed = new Object();
    private long lastId; // guarded by feed
    // (end of lesson 05's code)
    private final SocketFeed sockets = new SocketFeed(feed);
    private Javalin app;
    // One thread sends every client's heartbeat.
    private final ScheduledThreadPoolExecutor heartbeat = Scheduler.singleThread("heartbeat");

    public WebSocketApp(Options options) {
        this.options = options;
        this.history = new MovieHistory(options.historySize());
        this.longPolls = new LongPolls(options.longPollTimeout());
    }

    public static void main(String[] args) {
        Lesson.run(new WebSocketApp(Options.defaults()).create(), LESSON);
    }

    /** The server: the page, the stream at {@code /events}, the polls at {@code /movies} and {@code /movies/wait}, the socket at {@code /ws}. */
    public Javalin create() {
        app = Javalin.create(config -> {
            // From lesson 05 (PollingApp.java), unchanged:
            Lesson.configure(config, LESSON);
            // Another site's page may send a form here: every POST must come from this server's own pages.
            config.routes.before(SameOrigin::require);
            config.routes.sse("/events", this::onConnect);
            config.routes.post("/movies", this::postMovie);
            config.routes.get("/movies", this::shortPoll);
            config.routes.get("/movies/wait", this::longPoll);
            // (end of lesson 05's code)
            config.routes.ws("/ws", sockets::configure);
            // A page on any site may open a WebSocket to any server: only our own pages may open this one.
            config.routes.wsBeforeUpgrade("/ws", SameOrigin::require);
            // Jetty closes a socket (1009) that sends a message it will not hold; below that limit, SocketFeed
            // answers a message that is too long with an error and the socket stays open.
            config.jetty.modifyWebSocketServletFactory(factory -> {
                factory.setMaxFrameSize(SocketFeed.MAX_FRAME_BYTES);
                factory.setMaxTextMessageSize(SocketFeed.MAX_FRAME_BYTES);
                factory.setMaxBinaryMessageSize(SocketFeed.MAX_FRAME_BYTES);
            });
            // From lesson 05 (PollingApp.java), unchanged:
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
            // (end of lesson 05's code)
        });
        return app;
    }

    /** What {@code GET /stats} answers, taken in one moment. */
    public Stats stats() {
        synchronized (feed) {
            // Jetty's pool: how many threads exist, and how many are running something right now.
            ThreadPool pool = app.jettyServer().server().getThreadPool();
            int busy = pool instanceof QueuedThreadPool queued ? queued.getBusyThreads() : -1;
            return new Stats(registry.count(), sockets.count(), longPolls.count(), lastId, history.size(), pool.getThreads(), busy);
        }
    }

    // From lesson 05 (PollingApp.java), unchanged:
    /** Whether the heartbeat and the long-poll timer have stopped (after the server stopped). */
    public boolean timersStopped() {
        return heartbeat.isTerminated() && longPolls.stopped();
    }

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

    /** {@code GET /movies?after=N}: every kept movie newer than N, at once, oldest first; often {@code []}. */
    private void shortPoll(Context ctx) {
        ctx.json(history.after(AfterId.from(ctx)));
    }

    /**
     * {@code GET /movies/wait?after=N}: like the short poll when a movie newer than N is kept; otherwise
     * the next movie published, or {@code []} once the long-poll timeout has passed.
     */
    private void longPoll(Context ctx) {
        long after = AfterId.from(ctx);
        CompletableFuture<List<Movie>> next;
        synchronized (feed) {
            List<Movie> newer = history.after(after);
            if (!newer.isEmpty()) {
                ctx.json(newer);
                return;
            }
            next = longPolls.park(after); // no publish can come between the check and this line
        }
        ctx.future(() -> next.thenAccept(ctx::json));
    }
    // (end of lesson 05's code)

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
            // TODO 2: send the movie to every socket as well, as a SocketFeed.MovieMessage.
            // solution:begin TODO 2
            sockets.broadcast(SocketFeed.MovieMessage.of(movie));
            // solution:end
            longPolls.wakeAll(history);
            return new Published(id, clients);
        }
    }

    // From lesson 05 (PollingApp.java), unchanged:
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
    // (end of lesson 05's code)
}
