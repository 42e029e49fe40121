package sse.scaleout;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sse.production.FeedHistory;
import sse.production.Frames;
import sse.production.Movie;
import sse.production.Outbox;
import sse.production.Outbox.End;
import sse.production.Outbox.Limits;
import sse.production.StreamServer;
import sse.production.Topic;
import sse.registry.PostedMovie;
import sse.support.Lesson;
import sse.support.Query;
import sse.support.SameOrigin;
import sse.support.Scheduler;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import static sse.production.StreamServer.daemon;
import static sse.production.StreamServer.idOf;
import static sse.production.StreamServer.json;

/**
 * Lesson 09: one instance of a feed that runs on several.
 *
 * <p>Lesson 08's server, with one change at its heart: it no longer numbers movies itself. A post goes
 * to the {@link Broker}, which stores and numbers it; every instance hears every movie back from the
 * broker, in one order, and sends it to its own clients with lesson 08's queues. Each instance keeps a
 * copy of the broker's (capped) history, so a browser that comes back to any instance, with any id the
 * cluster gave out, is replayed what it missed. No sticky sessions: any instance serves anyone.
 */
public final class ScaleOutApp {

    static final String LESSON = "09-scale-out";
    private static final Logger LOG = LoggerFactory.getLogger(ScaleOutApp.class);

    /**
     * The knobs, with production defaults.
     *
     * @param instance       this instance's name, shown to clients ("a", "b", "c")
     * @param heartbeatEvery time between two {@code : ping} comments to every client
     * @param maxBodyBytes   the largest {@code POST /movies} body accepted
     * @param historySize    how many of the newest movies each instance keeps (the broker keeps as many)
     * @param retry          the least a browser waits before it reconnects
     * @param retryJitter    the most added at random to {@code retry}, different for each stream
     * @param queueLimits    the most a client may have waiting before it is cut off (lesson 08)
     * @param catchUp        how long a client from an instance that is ahead waits for this one to catch up
     * @param drainFor       on stop, the longest the server waits for streams to end cleanly
     */
    public record Options(String instance, Duration heartbeatEvery, int maxBodyBytes, int historySize,
                          Duration retry, Duration retryJitter, Limits queueLimits, Duration catchUp,
                          Duration drainFor) {

        public static Options defaults(String instance) {
            return new Options(instance, Duration.ofSeconds(15), 4096, 1000, Duration.ofSeconds(2),
                    Duration.ofSeconds(3), new Limits(1000, 256 * 1024), Duration.ofSeconds(2), Duration.ofSeconds(5));
        }

        public Options withHeartbeatEvery(Duration value) {
            return new Options(instance, value, maxBodyBytes, historySize, retry, retryJitter, queueLimits, catchUp, drainFor);
        }

        public Options withHistorySize(int value) {
            return new Options(instance, heartbeatEvery, maxBodyBytes, value, retry, retryJitter, queueLimits, catchUp, drainFor);
        }

        public Options withRetry(Duration value, Duration jitter) {
            return new Options(instance, heartbeatEvery, maxBodyBytes, historySize, value, jitter, queueLimits, catchUp, drainFor);
        }

        public Options withDrainFor(Duration value) {
            return new Options(instance, heartbeatEvery, maxBodyBytes, historySize, retry, retryJitter, queueLimits, catchUp, value);
        }
    }

    /** The first event of every stream, with no id: which instance this is. */
    public record Instance(String name) {
    }

    /** The first event of a new client: as in lesson 07, plus the instance. */
    public record Welcome(int clients, long lastId, long retry, String instance) {
    }

    /** Sent instead of a replay the history cannot give: reload your state, the newest id is this. */
    public record Reset(long lastId) {
    }

    /** The answer to a good {@code POST /movies}: the movie's id, and the instance that took the post. */
    public record Published(long id, String instance) {
    }

    /** {@code GET /health}: whether this instance serves, and whether its broker answers. */
    public record Health(String status, String instance, boolean broker, long lastId, int streams) {
    }

    /** The body of every 4xx and 503: what was wrong, in words. */
    public record Problem(String error) {
    }

    /** A post while the server shuts down: answered 503, and nothing is published. */
    private static final class Draining extends RuntimeException {
        Draining() {
            super("the server is shutting down: post again in a moment", null, false, false);
        }
    }

    private final Options options;
    private final Broker broker;
    private FeedHistory history; // guarded by feed; replaced when the broker's stream had a gap
    private final Set<Outbox> streams = ConcurrentHashMap.newKeySet();
    // Every delivery from the broker, every join and its replay hold this lock (lessons 07 and 08).
    private final Object feed = new Object();
    private long lastId; // guarded by feed: the newest id this instance has sent on
    private boolean draining; // guarded by feed
    private volatile boolean stopped; // the stop has finished: Jetty recycles every request from here on
    private final AtomicLong cutOff = new AtomicLong();
    private final ExecutorService writers = Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()), daemon("writer"));
    private final ScheduledThreadPoolExecutor timer = Scheduler.singleThread("heartbeat");

    public ScaleOutApp(Options options, Broker broker) {
        this.options = options;
        this.broker = broker;
        this.history = new FeedHistory(options.historySize());
    }

    /**
     * One instance: {@code -Dbroker=redis://127.0.0.1:6379} to share a Redis with other instances (else
     * an in-memory broker: one instance alone), {@code -Dinstance=a} to name it, {@code -Dport} as always.
     */
    public static void main(String[] args) {
        String instance = System.getProperty("instance", "a");
        Options options = Options.defaults(instance);
        String address = System.getProperty("broker", "");
        Broker broker = address.isEmpty() ? new InMemoryBroker(options.historySize())
                : new RedisBroker(URI.create(address), options.historySize());
        Lesson.run(new ScaleOutApp(options, broker).create(), LESSON);
    }

    /** The server: the page at {@code /}, the stream at {@code /events}, the movies at {@code /movies}. */
    public Javalin create() {
        return Javalin.create(config -> {
            Lesson.configure(config, LESSON);
            config.routes.before(SameOrigin::require);
            config.routes.before(ctx -> ctx.header("X-Instance", options.instance()));
            config.routes.get("/events", this::onConnect);
            config.routes.post("/movies", this::postMovie);
            config.routes.get("/movies", ctx -> ctx.json(movies()));
            config.routes.get("/health", this::health);
            // A teaching tool, refused from other origins by SameOrigin above: never ship it without auth.
            config.routes.post("/admin/drop", ctx -> ctx.json(new Health("dropped " + dropAll(), options.instance(),
                    broker.healthy(), lastId(), streams.size())));
            config.routes.exception(PostedMovie.Rejected.class,
                    (rejected, ctx) -> ctx.status(rejected.status()).json(new Problem(rejected.getMessage())));
            config.routes.exception(Broker.Unavailable.class, (down, ctx) -> ctx.status(HttpStatus.SERVICE_UNAVAILABLE)
                    .header("Retry-After", "2").json(new Problem(down.getMessage())));
            config.routes.exception(Draining.class, (draining, ctx) -> ctx.status(HttpStatus.SERVICE_UNAVAILABLE)
                    .header("Retry-After", "2").json(new Problem(draining.getMessage())));
            config.jetty.modifyServer(StreamServer::stopGracefully); // answer a post in progress, then close
            config.jetty.addConnector((server, http) -> StreamServer.connector(server, http, config.jetty.host, config.jetty.port));
            config.events.serverStarted(this::startUp);
            config.events.serverStopping(this::shutDown);
        });
    }

    /** How many streams are open on this instance now. */
    public int clients() {
        return streams.size();
    }

    /** The newest id this instance has sent on to its clients. */
    public long lastId() {
        synchronized (feed) {
            return lastId;
        }
    }

    private List<Movie> movies() {
        synchronized (feed) {
            return history.movies();
        }
    }

    private void health(Context ctx) {
        boolean serving;
        long last;
        synchronized (feed) {
            serving = !draining;
            last = lastId;
        }
        ctx.status(serving ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
                .json(new Health(serving ? "serving" : "draining", options.instance(), broker.healthy(), last, streams.size()));
    }

    /** Listens to the broker from the start of what it keeps, and starts the heartbeat. */
    private void startUp() {
        broker.subscribe(0, this::deliver);
        long beat = options.heartbeatEvery().toMillis();
        long quiet = options.heartbeatEvery().toNanos() / 2; // lesson 08: only streams sent nothing for half a beat
        timer.scheduleAtFixedRate(() -> everyone(Frames.PING, stream -> stream.quietFor(quiet)), beat, beat, TimeUnit.MILLISECONDS);
    }

    /**
     * A movie the broker stored, on the broker's thread, in the broker's order: lesson 08's publish,
     * without the numbering. Encoded once, kept, and queued for every client of this instance.
     */
    private void deliver(Broker.Stored stored) {
        synchronized (feed) {
            if (stored.id() <= lastId) {
                return; // heard twice (a reader that reconnected): sent once
            }
            if (stored.id() != lastId + 1 && lastId != 0) {
                // The broker trimmed movies this instance never heard (it was cut off from Redis for
                // longer than the history lasts): start a new history; older ids now get a reset.
                LOG.warn("Movies {} to {} were trimmed before this instance heard them", lastId + 1, stored.id() - 1);
            }
            if (stored.id() != lastId + 1) {
                history = new FeedHistory(options.historySize());
            }
            Movie movie = new Movie(stored.id(), stored.title(), stored.year());
            byte[] frame = Frames.event("movie", movie.id(), json(movie));
            history.add(movie, frame);
            lastId = movie.id();
            for (Outbox stream : streams) {
                if (stream.wants(Topic.MOVIES)) {
                    stream.offer(frame);
                }
            }
            feed.notifyAll(); // a client from an instance that is ahead may be waiting for this id
        }
    }

    private void postMovie(Context ctx) {
        PostedMovie posted = PostedMovie.from(ctx, options.maxBodyBytes());
        synchronized (feed) {
            if (draining) {
                throw new Draining();
            }
        }
        // Stored when this returns (or Unavailable: a 503, and nothing stored). The movie reaches this
        // instance's clients, like everyone else's, when the broker hands it back.
        Broker.Stored stored = broker.publish(posted.title(), posted.year());
        ctx.status(HttpStatus.CREATED).json(new Published(stored.id(), options.instance()));
    }

    /** {@code GET /events}: lesson 08's checks, then the stream once Javalin has made the request asynchronous. */
    private void onConnect(Context ctx) {
        String accept = ctx.header("Accept");
        if (accept == null || !accept.toLowerCase(Locale.ROOT).contains("text/event-stream")) {
            ctx.status(HttpStatus.NOT_ACCEPTABLE).json(new Problem(
                    "this is an event stream: send Accept: text/event-stream (a browser's EventSource does)"));
            return;
        }
        Set<Topic> topics;
        try {
            topics = Topic.parse(Query.first(ctx, "topics"));
        } catch (IllegalArgumentException bad) {
            ctx.status(HttpStatus.BAD_REQUEST).json(new Problem(bad.getMessage()));
            return;
        }
        String lastEventId = ctx.header("Last-Event-ID");
        if (lastEventId == null) {
            lastEventId = Query.first(ctx, "lastEventId");
        }
        HttpServletResponse res = ctx.res();
        res.setStatus(200);
        res.setContentType("text/event-stream");
        res.setCharacterEncoding("UTF-8");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no");
        try {
            res.flushBuffer();
        } catch (IOException gone) {
            return;
        }
        CompletableFuture<Void> ended = new CompletableFuture<>();
        String resumeFrom = lastEventId;
        ctx.future(() -> {
            join(ctx, topics, resumeFrom, ended);
            return ended;
        });
    }

    private void join(Context ctx, Set<Topic> topics, String lastEventId, CompletableFuture<Void> ended) {
        Outbox outbox;
        try {
            outbox = new Outbox(ctx.req().getAsyncContext(), writers, options.queueLimits(), topics,
                    (stream, end) -> left(stream, end, ended));
        } catch (IOException gone) {
            ended.complete(null);
            return;
        }
        outbox.start();
        long retry = retryFor();
        long seen = lastEventId == null || lastEventId.isEmpty() ? -1 : idOf(lastEventId);
        // Asked before taking the lock: a broker that is slow to answer must not hold up deliveries.
        long given = seen > lastId() ? newestOrMax() : Long.MAX_VALUE;
        List<byte[]> first = new ArrayList<>();
        first.add(Frames.retry(retry));
        first.add(Frames.event("instance", -1, json(new Instance(options.instance()))));
        synchronized (feed) {
            if (draining) {
                outbox.begin(first);
                outbox.finish();
                return;
            }
            if (outbox.wants(Topic.MOVIES)) {
                awaitCatchUp(seen, given);
                first.addAll(resume(lastEventId, seen, retry));
            }
            streams.add(outbox);
            outbox.begin(first);
        }
    }

    /**
     * A client that comes from an instance that is ahead of this one (it saw id 42, this instance has
     * sent 41) waits, holding the feed lock's monitor released, until this instance has heard 42 from
     * the broker, at most {@code catchUp}. Holds the feed lock.
     *
     * @param given the broker's newest id: a {@code seen} above it was never given out
     */
    private void awaitCatchUp(long seen, long given) {
        // TODO 3: while seen > lastId (this instance is behind the client), wait on the feed lock
        //   (TimeUnit.NANOSECONDS.timedWait(feed, nanos), which lets the broker's thread deliver
        //   meanwhile, and wakes when it does) until options.catchUp() has passed since you began.
        //   Do not wait at all if seen > given: that id was never given out, no wait will bring it.
        // solution:begin TODO 3
        if (seen > given) {
            return;
        }
        long deadline = System.nanoTime() + options.catchUp().toNanos();
        while (seen > lastId && System.nanoTime() < deadline) {
            try {
                TimeUnit.NANOSECONDS.timedWait(feed, deadline - System.nanoTime());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        // solution:end
    }

    /** The broker's newest id; if the broker does not answer, no id is known to be too new. */
    private long newestOrMax() {
        try {
            return broker.newestId();
        } catch (Broker.Unavailable down) {
            return Long.MAX_VALUE;
        }
    }

    /** Lesson 07's welcome, replay or reset, from this instance's copy of the history. Holds the feed lock. */
    private List<byte[]> resume(String lastEventId, long seen, long retry) {
        if (lastEventId == null || lastEventId.isEmpty()) {
            return List.of(Frames.event("welcome", lastId,
                    json(new Welcome(streams.size() + 1, lastId, retry, options.instance()))));
        }
        if (seen < 0 || seen > lastId || !history.keepsEverythingAfter(seen)) {
            return List.of(Frames.event("reset", lastId, json(new Reset(lastId))));
        }
        return history.framesAfter(seen);
    }

    // From lesson 08 (ProductionApp.java), unchanged:
    private void left(Outbox stream, End end, CompletableFuture<Void> ended) {
        streams.remove(stream);
        if (streams.isEmpty()) {
            synchronized (streams) {
                streams.notifyAll(); // a drain may be waiting for the last one
            }
        }
        if (end == End.CUT_OFF) {
            cutOff.incrementAndGet();
        }
        // Javalin completes the response when the future completes. Not for a stream that was cut off
        // or dropped: its connection was aborted and Jetty ends that request itself. Not after the
        // stop either: Jetty has recycled the request by then. Completing one that Jetty recycles on
        // another thread sends Javalin's error handling round in a loop for good.
        if ((end == End.LEFT || end == End.FINISHED) && !stopped) {
            ended.complete(null);
        }
    }
    // (end of lesson 08's code)

    // From lesson 08 (ProductionApp.java), unchanged:
    /**
     * The retry this stream is told, in ms: lesson 07's fixed value plus a random part, so that when a
     * server goes away its browsers come back spread over the jitter instead of all at once.
     */
    long retryFor() {
        return options.retry().toMillis() + ThreadLocalRandom.current().nextLong(options.retryJitter().toMillis() + 1);
    }
    // (end of lesson 08's code)

    // From lesson 08 (ProductionApp.java), unchanged:
    /** {@code POST /admin/drop}: ends every stream at once, as a crash would; the browsers come back with their last id. */
    private int dropAll() {
        int dropped = 0;
        for (Outbox stream : streams) {
            stream.abort();
            dropped++;
        }
        return dropped;
    }
    // (end of lesson 08's code)

    // From lesson 08 (ProductionApp.java), unchanged:
    /** Queues one frame for every stream that {@code wanted} accepts. */
    private void everyone(byte[] frame, Predicate<Outbox> wanted) {
        try {
            for (Outbox stream : streams) {
                if (wanted.test(stream)) {
                    stream.offer(frame);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("A periodic send failed: {}", e.toString()); // a task that throws is cancelled silently
        }
    }
    // (end of lesson 08's code)

    /**
     * Lesson 08's graceful stop: refuse new streams and posts (and {@code /health} says draining, so the
     * load balancer sends no one here), tell every client to come back after its own retry (to another
     * instance), wait for the streams to end, at most {@code drainFor}, then let the broker go.
     */
    private void shutDown() {
        Scheduler.stop(timer);
        synchronized (feed) {
            draining = true;
        }
        for (Outbox stream : streams) {
            stream.offer(Frames.retry(retryFor()));
            stream.finish();
        }
        awaitNoStreams(options.drainFor());
        int stuck = dropAll();
        if (stuck > 0) {
            LOG.warn("{} streams had not read their last frames after {} ms: closed", stuck, options.drainFor().toMillis());
        }
        broker.close(); // no more movies to hand on
        writers.shutdownNow(); // what is queued no longer matters: every stream has ended
        try {
            writers.awaitTermination(2, TimeUnit.SECONDS); // no write may run once Jetty has stopped
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopped = true;
    }

    // From lesson 08 (ProductionApp.java), unchanged:
    /** Waits until every stream has ended, or {@code most} has passed. */
    private void awaitNoStreams(Duration most) {
        long deadline = System.nanoTime() + most.toNanos();
        synchronized (streams) {
            for (long left = most.toNanos(); !streams.isEmpty() && left > 0; left = deadline - System.nanoTime()) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(streams, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
    // (end of lesson 08's code)
}
