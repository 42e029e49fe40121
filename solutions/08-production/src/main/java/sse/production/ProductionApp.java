package sse.production;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sse.production.Outbox.End;
import sse.production.Outbox.Limits;
import sse.registry.PostedMovie;
import sse.support.Lesson;
import sse.support.Query;
import sse.support.SameOrigin;
import sse.support.Scheduler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import static sse.production.StreamServer.daemon;
import static sse.production.StreamServer.idOf;
import static sse.production.StreamServer.json;

/**
 * Lesson 08: lesson 07's feed, made ready for production.
 *
 * <p>Every client has its own bounded queue ({@link Outbox}); publishing only fills queues, and a few
 * writer threads empty them without ever blocking. A client that stops reading is cut off when its
 * queue is full and comes back with {@code Last-Event-ID}; nobody else notices. Each event is encoded
 * once ({@link Frames}). Every stream's {@code retry:} has some random jitter, so that thousands of
 * browsers do not come back in the same millisecond, and the accept queue is sized for such a storm.
 * One stream carries several topics ({@code ?topics=movies,stats}) as named events. On stop, the server
 * drains: it refuses new streams, tells every browser to come back soon, ends each stream cleanly and
 * saves the history, which the next start reads back. An HTTPS port serves the same over HTTP/2.
 */
public final class ProductionApp {

    static final String LESSON = "08-production";
    private static final Logger LOG = LoggerFactory.getLogger(ProductionApp.class);

    /**
     * The knobs, with production defaults.
     *
     * @param heartbeatEvery  time between two {@code : ping} comments to every client
     * @param maxBodyBytes    the largest {@code POST /movies} body accepted
     * @param historySize     how many of the newest movies are kept for clients that come back
     * @param retry           the least a browser waits before it reconnects
     * @param retryJitter     the most added at random to {@code retry}, different for each stream
     * @param queueLimits     the most a client may have waiting before it is cut off
     * @param acceptQueue     how many connections the kernel may hold for the server before it accepts them
     * @param statsEvery      time between two {@code stats} events
     * @param drainFor        on stop, the longest the server waits for streams to end cleanly
     * @param tlsPort         the HTTPS (HTTP/2) port: -1 for none, 0 for any free port
     * @param historyFile     where the history is saved on stop and read on start; null for nowhere
     * @param sendBuffer      each connection's socket send buffer in bytes; 0 leaves it to the system, which
     *                        grows it to megabytes on a fast link (tests make it small, so that a stalled
     *                        client's queue fills after a few events instead of a few megabytes)
     */
    public record Options(Duration heartbeatEvery, int maxBodyBytes, int historySize, Duration retry,
                          Duration retryJitter, Limits queueLimits, int acceptQueue, Duration statsEvery,
                          Duration drainFor, int tlsPort, Path historyFile, int sendBuffer) {

        public static Options defaults() {
            return new Options(Duration.ofSeconds(15), 4096, 1000, Duration.ofSeconds(2), Duration.ofSeconds(3),
                    new Limits(1000, 256 * 1024), StreamServer.ACCEPT_QUEUE, Duration.ofSeconds(5), Duration.ofSeconds(5), -1, null, 0);
        }

        public Options withHeartbeatEvery(Duration value) {
            return new Options(value, maxBodyBytes, historySize, retry, retryJitter, queueLimits, acceptQueue, statsEvery, drainFor, tlsPort, historyFile, sendBuffer);
        }

        public Options withHistorySize(int value) {
            return new Options(heartbeatEvery, maxBodyBytes, value, retry, retryJitter, queueLimits, acceptQueue, statsEvery, drainFor, tlsPort, historyFile, sendBuffer);
        }

        public Options withRetry(Duration value, Duration jitter) {
            return new Options(heartbeatEvery, maxBodyBytes, historySize, value, jitter, queueLimits, acceptQueue, statsEvery, drainFor, tlsPort, historyFile, sendBuffer);
        }

        public Options withQueueLimits(int maxEvents, int maxBytes) {
            return new Options(heartbeatEvery, maxBodyBytes, historySize, retry, retryJitter, new Limits(maxEvents, maxBytes), acceptQueue, statsEvery, drainFor, tlsPort, historyFile, sendBuffer);
        }

        public Options withStatsEvery(Duration value) {
            return new Options(heartbeatEvery, maxBodyBytes, historySize, retry, retryJitter, queueLimits, acceptQueue, value, drainFor, tlsPort, historyFile, sendBuffer);
        }

        public Options withDrainFor(Duration value) {
            return new Options(heartbeatEvery, maxBodyBytes, historySize, retry, retryJitter, queueLimits, acceptQueue, statsEvery, value, tlsPort, historyFile, sendBuffer);
        }

        public Options withTlsPort(int value) {
            return new Options(heartbeatEvery, maxBodyBytes, historySize, retry, retryJitter, queueLimits, acceptQueue, statsEvery, drainFor, value, historyFile, sendBuffer);
        }

        public Options withSendBuffer(int value) {
            return new Options(heartbeatEvery, maxBodyBytes, historySize, retry, retryJitter, queueLimits, acceptQueue, statsEvery, drainFor, tlsPort, historyFile, value);
        }

        public Options withHistoryFile(Path value) {
            return new Options(heartbeatEvery, maxBodyBytes, historySize, retry, retryJitter, queueLimits, acceptQueue, statsEvery, drainFor, tlsPort, value, sendBuffer);
        }
    }

    /** The first event of a new client: how many clients there are, the newest id and this stream's retry in ms. */
    public record Welcome(int clients, long lastId, long retry) {
    }

    /** Sent instead of a replay the history cannot give: reload your state, the newest id is this. */
    public record Reset(long lastId) {
    }

    /** The answer to a good {@code POST /movies}: the movie's id and how many clients it was queued for. */
    public record Published(long id, int clients) {
    }

    /**
     * The server's figures: {@code GET /stats}, and the {@code stats} topic.
     *
     * @param queuedBytes  what waits in every queue together
     * @param largestQueue what waits in the fullest queue: never more than the queue limit
     */
    public record Stats(int streams, long cutOff, long queuedBytes, long largestQueue, boolean draining) {
    }

    /** {@code GET /health}: "serving", or "draining" with a 503 (a load balancer then sends no one here). */
    public record Health(String status) {
    }

    // From lesson 04 (RegistryApp.java), unchanged:
    /** The body of every 4xx: what was wrong, in words. */
    public record Problem(String error) {
    }
    // (end of lesson 04's code)

    /** A post while the server shuts down: answered 503, and nothing is published. */
    private static final class Draining extends RuntimeException {
        Draining() {
            super("the server is shutting down: post again in a moment", null, false, false);
        }
    }

    private final Options options;
    private final FeedHistory history;
    // A set that is cheap to join and leave: lesson 04's copy-on-write set copies itself on every
    // join, which a burst of 10,000 joins turns into 50 million copied references.
    private final Set<Outbox> streams = ConcurrentHashMap.newKeySet();
    // Every publish, every join and its replay hold this lock, as in lesson 07. Nothing under it
    // writes to a socket any more: it only puts frames in queues, so it is held for microseconds.
    private final Object feed = new Object();
    private long lastId; // guarded by feed
    private boolean draining; // guarded by feed
    private volatile boolean stopped; // the stop has finished: Jetty recycles every request from here on
    private final AtomicLong cutOff = new AtomicLong();
    private final AtomicInteger tlsPort = new AtomicInteger(-1);
    // The writers: a thread per core empties the queues. They never block, so a few serve thousands.
    private final ExecutorService writers = Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()), daemon("writer"));
    // One thread sends every client's heartbeat and the stats.
    private final ScheduledThreadPoolExecutor timer = Scheduler.singleThread("heartbeat");

    public ProductionApp(Options options) {
        this.options = options;
        this.history = new FeedHistory(options.historySize());
        if (options.historyFile() != null) {
            restore(options.historyFile());
        }
    }

    public static void main(String[] args) {
        Options options = Options.defaults()
                .withTlsPort(Integer.getInteger("tls.port", 7443))
                .withHistoryFile(Lesson.webRoot().getParent().resolve(".data").resolve(LESSON + "-history.jsonl"));
        ProductionApp feed = new ProductionApp(options);
        Lesson.run(feed.create(), LESSON);
        if (feed.tlsPort() > 0) {
            System.out.println("The same over HTTP/2: https://localhost:" + feed.tlsPort()
                + "/  (a certificate made for this machine: your browser asks you to accept it once)");
        }
    }

    /** The server: the pages at {@code /}, the stream at {@code /events}, the movies at {@code /movies}. */
    public Javalin create() {
        return Javalin.create(config -> {
            Lesson.configure(config, LESSON);
            config.routes.before(SameOrigin::require);
            config.routes.get("/events", this::onConnect);
            config.routes.post("/movies", this::postMovie);
            config.routes.get("/movies", ctx -> ctx.json(history.movies()));
            config.routes.get("/stats", ctx -> ctx.json(stats()));
            config.routes.get("/health", ctx -> {
                boolean serving = !isDraining();
                ctx.status(serving ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
                        .json(new Health(serving ? "serving" : "draining"));
            });
            // A teaching tool, refused from other origins by SameOrigin above: never ship it without auth.
            config.routes.post("/admin/drop", ctx -> ctx.json(new Stats(dropAll(), cutOff.get(), 0, 0, isDraining())));
            // From lesson 04 (RegistryApp.java), unchanged:
            config.routes.exception(PostedMovie.Rejected.class,
                    (rejected, ctx) -> ctx.status(rejected.status()).json(new Problem(rejected.getMessage())));
            // (end of lesson 04's code)
            config.routes.exception(Draining.class, (draining, ctx) -> ctx.status(HttpStatus.SERVICE_UNAVAILABLE)
                    .header("Retry-After", "2").json(new Problem(draining.getMessage())));
            // Jetty keeps an output buffer for each response until it ends: 32 KB by default, outside the
            // heap, so 600 MB for 19,000 idle streams. A frame is a few hundred bytes: 2 KB is plenty.
            config.jetty.modifyHttpConfiguration(http -> http.setOutputBufferSize(OUTPUT_BUFFER_BYTES));
            config.jetty.modifyServer(StreamServer::stopGracefully); // answer a post in progress, then close
            config.jetty.addConnector((server, http) -> StreamServer.connector(server, http, config.jetty.host, config.jetty.port,
                    options.acceptQueue(), options.sendBuffer()));
            if (options.tlsPort() >= 0) {
                config.jetty.addConnector((server, http) -> tlsConnector(server, http, config.jetty.host));
            }
            config.events.serverStarted(this::startTimers);
            config.events.serverStopping(this::shutDown);
        });
    }

    /** The HTTPS port: the one asked for, or the one the system picked for 0; -1 when there is none. */
    public int tlsPort() {
        return tlsPort.get();
    }

    /** How many streams are open now. */
    public int clients() {
        return streams.size();
    }

    /** The server's figures now. */
    public Stats stats() {
        long queued = 0;
        long largest = 0;
        for (Outbox stream : streams) {
            int bytes = stream.queuedBytes();
            queued += bytes;
            largest = Math.max(largest, bytes);
        }
        return new Stats(streams.size(), cutOff.get(), queued, largest, isDraining());
    }

    private boolean isDraining() {
        synchronized (feed) {
            return draining;
        }
    }

    /** {@code GET /events}: checks the request, then opens the stream once Javalin has made the request asynchronous. */
    private void onConnect(Context ctx) {
        String accept = ctx.header("Accept");
        // Media types are case-insensitive (Javalin's own SSE handler is not: see lesson 02).
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
        // A browser's own reconnect sends the header. A page that closed its stream (a hidden tab) and
        // opens a new EventSource cannot set headers: it passes the id in the URL instead.
        String lastEventId = ctx.header("Last-Event-ID");
        if (lastEventId == null) {
            lastEventId = Query.first(ctx, "lastEventId");
        }
        HttpServletResponse res = ctx.res();
        res.setStatus(200);
        res.setContentType("text/event-stream");
        res.setCharacterEncoding("UTF-8");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no"); // nginx: pass each event on at once (see the doc)
        try {
            res.flushBuffer(); // the headers now: the client knows its stream is open before the first event
        } catch (IOException gone) {
            return;
        }
        CompletableFuture<Void> ended = new CompletableFuture<>();
        String resumeFrom = lastEventId;
        // Javalin calls this once the request is asynchronous: it holds no thread while the stream is open.
        ctx.future(() -> {
            join(ctx, topics, resumeFrom, ended);
            return ended;
        });
    }

    /** Registers the stream and queues its first frames: the retry, then a welcome, a replay or a reset. */
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
        List<byte[]> first = new ArrayList<>();
        first.add(Frames.retry(retry));
        synchronized (feed) {
            if (draining) {
                // Refused, the way a browser understands: a 503 would stop its EventSource for good;
                // a stream that ends after a retry: makes it come back (to the next instance, in lesson 09).
                outbox.begin(first);
                outbox.finish();
                return;
            }
            if (outbox.wants(Topic.MOVIES)) {
                first.addAll(resume(lastEventId, retry));
            }
            streams.add(outbox);
            outbox.begin(first);
        }
    }

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

    /**
     * Lesson 07's welcome, replay or reset, as frames. A replay is the history's own frames, sent byte
     * for byte as the broadcast sent them. Holds the feed lock.
     */
    private List<byte[]> resume(String lastEventId, long retry) {
        if (lastEventId == null || lastEventId.isEmpty()) {
            return List.of(Frames.event("welcome", lastId, json(new Welcome(streams.size() + 1, lastId, retry))));
        }
        long seen = idOf(lastEventId);
        if (seen < 0 || seen > lastId || !history.keepsEverythingAfter(seen)) {
            return List.of(Frames.event("reset", lastId, json(new Reset(lastId))));
        }
        return history.framesAfter(seen);
    }

    /**
     * The retry this stream is told, in ms: lesson 07's fixed value plus a random part, so that when a
     * server goes away its browsers come back spread over the jitter instead of all at once.
     */
    long retryFor() {
        // TODO 3: return options.retry() in ms plus a random number of ms from 0 to
        //   options.retryJitter() in ms (both ends included), e.g. with
        //   ThreadLocalRandom.current().nextLong(bound). Every stream gets its own value.
        // solution:begin TODO 3
        return options.retry().toMillis() + ThreadLocalRandom.current().nextLong(options.retryJitter().toMillis() + 1);
        // solution:end
    }

    /** Jetty's output buffer for each response (see create()). */
    static final int OUTPUT_BUFFER_BYTES = 2048;

    // From lesson 04 (RegistryApp.java), unchanged:
    private void postMovie(Context ctx) {
        // Bad input throws PostedMovie.Rejected, which create() turns into a 4xx: nothing is sent.
        PostedMovie posted = PostedMovie.from(ctx, options.maxBodyBytes());
        ctx.status(HttpStatus.CREATED).json(publish(posted));
    }
    // (end of lesson 04's code)

    /**
     * Numbers the movie, encodes its frame once, keeps it in the history and queues the same bytes for
     * every client that asked for movies. Under the feed lock, as in lesson 07, so every client gets the
     * same order; but nothing here writes to a socket, so a slow client cannot slow a publish.
     */
    private Published publish(PostedMovie posted) {
        synchronized (feed) {
            if (draining) {
                throw new Draining();
            }
            long id = ++lastId;
            Movie movie = new Movie(id, posted.title(), posted.year());
            byte[] frame = Frames.event("movie", id, json(movie)); // once, for everyone
            history.add(movie, frame);
            int queued = 0;
            for (Outbox stream : streams) {
                if (stream.wants(Topic.MOVIES) && stream.offer(frame)) {
                    queued++;
                }
            }
            return new Published(id, queued);
        }
    }

    /** {@code POST /admin/drop}: ends every stream at once, as a crash would; the browsers come back with their last id. */
    private int dropAll() {
        int dropped = 0;
        for (Outbox stream : streams) {
            stream.abort();
            dropped++;
        }
        return dropped;
    }

    private void startTimers() {
        long beat = options.heartbeatEvery().toMillis();
        // A ping only to the streams that have been sent nothing for half a beat: on a busy feed the events
        // themselves find the clients that have gone, and pinging 19,000 streams in the middle of a
        // broadcast would hold up that broadcast's last client by as long again (measured: capacity).
        long quiet = options.heartbeatEvery().toNanos() / 2;
        timer.scheduleAtFixedRate(() -> everyone(Frames.PING, stream -> stream.quietFor(quiet)), beat, beat, TimeUnit.MILLISECONDS);
        long statsEvery = options.statsEvery().toMillis();
        timer.scheduleAtFixedRate(() -> everyone(Frames.event("stats", -1, json(stats())), stream -> stream.wants(Topic.STATS)),
                statsEvery, statsEvery, TimeUnit.MILLISECONDS);
    }

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

    /**
     * The graceful stop, called by Javalin before Jetty closes anything: refuse new streams and posts,
     * tell every browser to come back after its own jittered retry, end each stream once its queue is
     * written, wait for that (at most {@code drainFor}), close what is left, and save the history.
     */
    private void shutDown() {
        Scheduler.stop(timer);
        synchronized (feed) {
            draining = true;
        }
        // TODO 4: end every open stream cleanly: for each stream in streams, offer it
        //   Frames.retry(retryFor()), then call finish(): it ends the stream once its queue is written.
        //   A stream cut by Jetty's stop looks like a crash; one that ends after a retry: line makes the
        //   browser come back after that many ms, each at its own time.
        // solution:begin TODO 4
        for (Outbox stream : streams) {
            stream.offer(Frames.retry(retryFor()));
            stream.finish();
        }
        // solution:end
        awaitNoStreams(options.drainFor()); // the writers end each stream once its last frames are written
        int stuck = dropAll();
        if (stuck > 0) {
            LOG.warn("{} streams had not read their last frames after {} ms: closed", stuck, options.drainFor().toMillis());
        }
        writers.shutdownNow(); // what is queued no longer matters: every stream has ended
        try {
            writers.awaitTermination(2, TimeUnit.SECONDS); // no write may run once Jetty has stopped
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopped = true;
        if (options.historyFile() != null) {
            try {
                history.save(options.historyFile());
            } catch (IOException e) {
                LOG.warn("Could not save the history to {}: {}", options.historyFile(), e.toString());
            }
        }
    }

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

    /** Reads back the history saved by the last stop, so browsers that come back are sent what they missed. */
    private void restore(Path file) {
        try {
            for (Movie movie : FeedHistory.load(file)) {
                history.add(movie, Frames.event("movie", movie.id(), json(movie)));
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("Cannot read the saved history " + file.getFileName()
                    + " (" + e.getMessage() + "): delete the file to start with an empty history", e);
        }
        lastId = history.newestId();
    }

    private ServerConnector tlsConnector(Server server, HttpConfiguration http, String host) {
        HttpConfiguration https = new HttpConfiguration(http);
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        secure.setSniHostCheck(false); // the page may be opened as 127.0.0.1 as well as localhost
        https.addCustomizer(secure);
        HttpConnectionFactory http11 = new HttpConnectionFactory(https);
        HTTP2ServerConnectionFactory http2 = new HTTP2ServerConnectionFactory(https);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
        alpn.setDefaultProtocol(http11.getProtocol()); // a client that does not ask for h2 gets HTTP/1.1
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        try {
            Path keyStore = Certificates.localhost(Lesson.webRoot().getParent().resolve(".data").resolve("localhost.p12"));
            ssl.setKeyStorePath(keyStore.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot make the HTTPS certificate", e);
        }
        ssl.setKeyStoreType("PKCS12");
        ssl.setKeyStorePassword(Certificates.PASSWORD);
        ServerConnector connector = new ServerConnector(server,
                new SslConnectionFactory(ssl, alpn.getProtocol()), alpn, http2, http11);
        connector.setHost(host);
        connector.setPort(options.tlsPort());
        connector.setShutdownIdleTimeout(StreamServer.SHUTDOWN_IDLE.toMillis()); // see StreamServer.stopGracefully
        connector.setAcceptQueueSize(options.acceptQueue());
        connector.addEventListener(new org.eclipse.jetty.util.component.LifeCycle.Listener() {
            @Override
            public void lifeCycleStarted(org.eclipse.jetty.util.component.LifeCycle event) {
                tlsPort.set(connector.getLocalPort());
            }
        });
        return connector;
    }
}
