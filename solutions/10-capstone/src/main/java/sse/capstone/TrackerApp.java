package sse.capstone;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sse.capstone.People.Delivery;
import sse.capstone.People.Point;
import sse.capstone.People.Role;
import sse.capstone.People.User;
import sse.production.Frames;
import sse.production.Outbox;
import sse.production.Outbox.End;
import sse.production.Outbox.Limits;
import sse.production.StreamServer;
import sse.scaleout.Broker;
import sse.scaleout.InMemoryBroker;
import sse.scaleout.RedisBroker;
import sse.support.Lesson;
import sse.support.MediaType;
import sse.support.SameOrigin;
import sse.support.Scheduler;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static sse.production.StreamServer.daemon;
import static sse.production.StreamServer.idOf;
import static sse.production.StreamServer.json;

/**
 * Lesson 10: a live delivery tracker, built from the lessons before it.
 *
 * <p>Customers follow their own deliveries, couriers post where they are, a dispatcher sees every
 * delivery. Each page opens one stream, {@code /events}, with no id in its URL: who is asking comes from
 * the session cookie, and what they may see from who they are. A courier's position goes to the broker
 * (lesson 09), which numbers it; every instance hears it back and queues it, encoded once (lesson 08),
 * for the streams allowed to see it. A browser that comes back with {@code Last-Event-ID} (lesson 07) is
 * replayed only its own events.
 */
public final class TrackerApp {

    static final String LESSON = "10-capstone";
    private static final Logger LOG = LoggerFactory.getLogger(TrackerApp.class);
    private static final ObjectMapper JSON = new ObjectMapper(); // reads what the broker hands back
    /** How close to the door counts as there. */
    static final double ARRIVED_WITHIN = 5;
    /** The longest a position's answer waits for the broker to hand it back (see awaitHeard). */
    static final Duration HEARD_WITHIN = Duration.ofSeconds(2);

    /**
     * The knobs, with production defaults.
     *
     * @param heartbeatEvery  time between two {@code : ping} comments; sessions that ran out are ended as often
     * @param sessionLifetime how long a sign-in lasts
     * @param historySize     how many of the newest events are kept for replay (for everyone together)
     * @param retry           the least a browser waits before it reconnects
     * @param retryJitter     the most added at random to {@code retry}
     * @param queueLimits     the most a client may have waiting before it is cut off (lesson 08)
     * @param perSecond       positions a courier may post a second, on average
     * @param burst           positions a courier may post at once
     * @param speed           a courier's speed, in units of the map a second, for the ETA
     * @param drainFor        on stop, the longest the server waits for streams to end cleanly
     */
    public record Options(Duration heartbeatEvery, Duration sessionLifetime, int historySize, Duration retry,
                          Duration retryJitter, Limits queueLimits, double perSecond, int burst, double speed,
                          Duration drainFor) {

        public static Options defaults() {
            return new Options(Duration.ofSeconds(15), Duration.ofHours(8), 5000, Duration.ofSeconds(2),
                    Duration.ofSeconds(1), new Limits(1000, 256 * 1024), 5, 10, 40, Duration.ofSeconds(5));
        }

        public Options withHeartbeatEvery(Duration value) {
            return new Options(value, sessionLifetime, historySize, retry, retryJitter, queueLimits, perSecond, burst, speed, drainFor);
        }

        public Options withSessionLifetime(Duration value) {
            return new Options(heartbeatEvery, value, historySize, retry, retryJitter, queueLimits, perSecond, burst, speed, drainFor);
        }

        public Options withHistorySize(int value) {
            return new Options(heartbeatEvery, sessionLifetime, value, retry, retryJitter, queueLimits, perSecond, burst, speed, drainFor);
        }

        public Options withRetry(Duration value, Duration jitter) {
            return new Options(heartbeatEvery, sessionLifetime, historySize, value, jitter, queueLimits, perSecond, burst, speed, drainFor);
        }

        public Options withRateLimit(double perSecondValue, int burstValue) {
            return new Options(heartbeatEvery, sessionLifetime, historySize, retry, retryJitter, queueLimits, perSecondValue, burstValue, speed, drainFor);
        }

        public Options withDrainFor(Duration value) {
            return new Options(heartbeatEvery, sessionLifetime, historySize, retry, retryJitter, queueLimits, perSecond, burst, speed, value);
        }
    }

    /** What goes through the broker: one change to one delivery. The broker gives it its id. */
    record Update(String delivery, String kind, double x, double y, String status, long eta, long at) {
    }

    /** The data of a {@code position} or {@code status} event. */
    public record Change(String delivery, String courier, double x, double y, String status, long eta, long at) {
    }

    /** One delivery as a page draws it: the {@code deliveries} event, and {@code GET /deliveries}. */
    public record View(String id, String customer, String courier, List<Point> route, double x, double y,
                       String status, long eta) {
    }

    /** The first event of a stream (and the answer to a Last-Event-ID that cannot be replayed): everything this user sees. */
    public record Snapshot(String user, String role, long lastId, List<View> deliveries) {
    }

    /** Who is signed in: {@code GET /me}. */
    public record Me(String user, String role, String page) {
    }

    /** The answer to a position that was taken. */
    public record Accepted(long id) {
    }

    /** The body of every 4xx and 503: what was wrong, in words. */
    public record Problem(String error) {
    }

    /** A stream's owner: the user, and the session it was opened with (sign-out ends that session's streams). */
    private record Viewer(User user, String token) {
    }

    /** Where a delivery is now. */
    private record Track(double x, double y, String status, long eta) {
    }

    /** An event kept for replay: its id, its delivery (who may see it) and its bytes. */
    private record Kept(long id, Delivery delivery, byte[] frame) {
    }

    private final Options options;
    private final People people;
    private final Broker broker;
    private final Sessions sessions;
    private final RateLimit rateLimit;
    private final Map<Outbox, Viewer> streams = new ConcurrentHashMap<>();
    // Every delivery from the broker, every join and its replay, and every sign-out hold this lock.
    private final Object feed = new Object();
    private final ArrayDeque<Kept> history = new ArrayDeque<>(); // guarded by feed, oldest first
    private final Map<String, Track> tracks = new HashMap<>(); // guarded by feed
    private long lastId; // guarded by feed: the newest id this instance has sent on
    private boolean draining; // guarded by feed
    private volatile boolean stopped; // the stop has finished: Jetty recycles every request from here on
    private final AtomicLong cutOff = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final ExecutorService writers = Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()), daemon("writer"));
    private final ScheduledThreadPoolExecutor timer = Scheduler.singleThread("heartbeat");

    public TrackerApp(Options options, People people, Broker broker) {
        this.options = options;
        this.people = people;
        this.broker = broker;
        this.sessions = new Sessions(options.sessionLifetime());
        this.rateLimit = new RateLimit(options.perSecond(), options.burst());
        for (Delivery delivery : people.deliveries()) {
            Point start = delivery.route().get(0);
            tracks.put(delivery.id(), new Track(start.x(), start.y(), "waiting", eta(delivery, start.x(), start.y())));
        }
    }

    /**
     * {@code -Dbroker=redis://127.0.0.1:6379} to share a Redis with other instances (else in memory),
     * {@code -Dcouriers=3 -Dcustomers=6} for the size of the built-in list, {@code -Dport} as always.
     */
    public static void main(String[] args) {
        Options options = Options.defaults();
        People people = People.of(Integer.getInteger("couriers", 3), Integer.getInteger("customers", 6));
        String address = System.getProperty("broker", "");
        Broker broker = address.isEmpty() ? new InMemoryBroker(options.historySize())
                : new RedisBroker(URI.create(address), options.historySize());
        Lesson.run(new TrackerApp(options, people, broker).create(), LESSON);
    }

    /** The server: pages at {@code /}, sign-in, the stream at {@code /events}, positions at {@code /positions}. */
    public Javalin create() {
        return Javalin.create(config -> {
            Lesson.configure(config, LESSON);
            config.routes.before(SameOrigin::require); // every POST: sign-in, sign-out, positions
            config.routes.post("/signin", this::signIn);
            config.routes.post("/signout", this::signOut);
            config.routes.get("/me", ctx -> {
                User user = signedIn(ctx);
                ctx.json(new Me(user.name(), roleName(user), pageOf(user)));
            });
            config.routes.get("/deliveries", ctx -> ctx.json(views(signedIn(ctx))));
            config.routes.get("/deliveries/{id}", this::oneDelivery);
            config.routes.get("/events", this::onConnect);
            config.routes.post("/positions", this::postPosition);
            config.routes.exception(Rejected.class, (rejected, ctx) -> {
                if (rejected.retryAfterMillis() > 0) {
                    ctx.header("Retry-After", String.valueOf((rejected.retryAfterMillis() + 999) / 1000));
                }
                ctx.status(rejected.status()).json(new Problem(rejected.getMessage()));
            });
            config.routes.exception(Broker.Unavailable.class, (down, ctx) -> ctx.status(HttpStatus.SERVICE_UNAVAILABLE)
                    .header("Retry-After", "2").json(new Problem(down.getMessage())));
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

    /** How many events were queued for streams, replays included. */
    public long sent() {
        return sent.get();
    }

    // --- Who may see what ---

    /** Whether {@code user} may see {@code delivery}: its customer, its courier, and the dispatcher. */
    static boolean sees(User user, Delivery delivery) {
        // TODO 1: a customer sees only the deliveries they receive (delivery.customer()), a courier
        //   only those they carry (delivery.courier()), the dispatcher every one. This one check guards
        //   the live events, the replay and GET /deliveries.
        // solution:begin TODO 1
        return switch (user.role()) {
            case DISPATCHER -> true;
            case CUSTOMER -> delivery.customer().equals(user.name());
            case COURIER -> delivery.courier().equals(user.name());
        };
        // solution:end
    }

    /** The signed-in user of this request, or a 401: no cookie, an unknown one, or a session that has ended. */
    private User signedIn(Context ctx) {
        return sessions.user(ctx.cookie(Sessions.COOKIE)).orElseThrow(() -> new Rejected(HttpStatus.UNAUTHORIZED,
                "sign in first: this needs a session, and there is none (or it has ended)"));
    }

    private void signIn(Context ctx) {
        requireForm(ctx);
        User user = people.signIn(ctx.formParam("name"), ctx.formParam("password"))
                .orElseThrow(() -> new Rejected(HttpStatus.UNAUTHORIZED, "wrong name or password"));
        String token = sessions.start(user);
        // HttpOnly: no script can read it, so an injected script cannot steal it. SameSite=Strict: no other
        // site's page makes the browser send it. (Add Secure when the site is served over HTTPS.)
        ctx.header("Set-Cookie", Sessions.COOKIE + "=" + token + "; Path=/; HttpOnly; SameSite=Strict; Max-Age="
                + options.sessionLifetime().toSeconds());
        ctx.redirect(pageOf(user), HttpStatus.SEE_OTHER);
    }

    /**
     * A sign-in is a form in UTF-8, as the page sends it; anything else is a 415 before the body is read.
     * No parameter but the charset: Javalin finds the charset by splitting the header at ";" and "=", and
     * fails with a 500 on what it cannot split that way ("; charset", "; charsetx=1", an unknown charset).
     */
    private static void requireForm(Context ctx) {
        List<String> types = Collections.list(ctx.req().getHeaders("Content-Type"));
        try {
            MediaType type = MediaType.parse(types.size() == 1 ? types.get(0) : "");
            if (type.is("application", "x-www-form-urlencoded") && type.parameters().stream()
                    .allMatch(parameter -> parameter.name().equals("charset") && parameter.value().equalsIgnoreCase("utf-8"))) {
                return;
            }
        } catch (MediaType.Invalid notAMediaType) {
            // refused below, as any other type is
        }
        throw new Rejected(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "send the sign-in as a form: Content-Type: application/x-www-form-urlencoded");
    }

    private void signOut(Context ctx) {
        String token = ctx.cookie(Sessions.COOKIE);
        if (sessions.end(token)) {
            endStreams(token);
        }
        ctx.header("Set-Cookie", Sessions.COOKIE + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
        ctx.redirect("/", HttpStatus.SEE_OTHER);
    }

    /**
     * Ends every open stream of a session that was signed out or ran out. The browser comes back, is
     * answered 401, and its EventSource stops for good: the page says "signed out".
     */
    private void endStreams(String token) {
        // TODO 3: under the feed lock (so a stream that is joining is either refused or found here),
        //   finish() every stream in `streams` whose Viewer has this token.
        // solution:begin TODO 3
        synchronized (feed) {
            streams.forEach((stream, viewer) -> {
                if (viewer.token().equals(token)) {
                    stream.finish();
                }
            });
        }
        // solution:end
    }

    private void oneDelivery(Context ctx) {
        User user = signedIn(ctx);
        // Unknown and not yours get the same 404: the answer tells nobody which ids exist.
        Delivery delivery = people.delivery(ctx.pathParam("id")).filter(d -> sees(user, d))
                .orElseThrow(() -> new Rejected(HttpStatus.NOT_FOUND, "no such delivery among yours"));
        synchronized (feed) {
            ctx.json(view(delivery));
        }
    }

    // --- Couriers post ---

    private void postPosition(Context ctx) {
        User user = signedIn(ctx);
        if (user.role() != Role.COURIER) {
            throw new Rejected(HttpStatus.FORBIDDEN, "only couriers post positions");
        }
        long wait = rateLimit.take(user.name());
        if (wait > 0) {
            throw new Rejected(HttpStatus.TOO_MANY_REQUESTS, "too many positions: at most " + options.perSecond()
                    + " a second (" + options.burst() + " at once); try again in " + wait + " ms", wait);
        }
        PostedPosition posted = PostedPosition.from(ctx, 1024);
        Delivery delivery = people.delivery(posted.delivery())
                .orElseThrow(() -> new Rejected(HttpStatus.NOT_FOUND, "unknown delivery"));
        if (!delivery.courier().equals(user.name())) {
            throw new Rejected(HttpStatus.FORBIDDEN, "this delivery is carried by another courier");
        }
        String before;
        synchronized (feed) {
            if (draining) {
                throw new Rejected(HttpStatus.SERVICE_UNAVAILABLE, "the server is shutting down: post again in a moment", 2000);
            }
            before = tracks.get(delivery.id()).status();
        }
        if (before.equals("delivered")) {
            throw new Rejected(HttpStatus.CONFLICT, "this delivery has been delivered: it moves no more");
        }
        Point door = delivery.route().get(delivery.route().size() - 1);
        boolean there = Math.hypot(door.x() - posted.x(), door.y() - posted.y()) <= ARRIVED_WITHIN;
        String status = there ? "delivered" : "on the way";
        long at = System.currentTimeMillis();
        long eta = eta(delivery, posted.x(), posted.y());
        Broker.Stored stored = broker.publish(json(new Update(delivery.id(), "position", posted.x(), posted.y(), status, eta, at)), 0);
        long newest = stored.id();
        if (!status.equals(before)) {
            newest = broker.publish(json(new Update(delivery.id(), "status", posted.x(), posted.y(), status, eta, at)), 0).id();
        }
        awaitHeard(newest);
        ctx.status(HttpStatus.ACCEPTED).json(new Accepted(stored.id()));
    }

    /**
     * Waits, at most {@link #HEARD_WITHIN}, until this instance has heard {@code id} back from the broker
     * (on the broker's thread, a moment after the publish): the courier's next position, sent as soon as
     * this one is answered, is then compared with the status this one left, not with an older one.
     */
    private void awaitHeard(long id) {
        long deadline = System.nanoTime() + HEARD_WITHIN.toNanos();
        synchronized (feed) {
            for (long left = HEARD_WITHIN.toNanos(); lastId < id && left > 0; left = deadline - System.nanoTime()) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(feed, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private long eta(Delivery delivery, double x, double y) {
        Point door = delivery.route().get(delivery.route().size() - 1);
        return (long) Math.ceil(Math.hypot(door.x() - x, door.y() - y) / options.speed());
    }

    // --- The broker hands every change back, in order ---

    private void startUp() {
        broker.subscribe(0, this::deliver);
        long beat = options.heartbeatEvery().toMillis();
        timer.scheduleAtFixedRate(this::beat, beat, beat, TimeUnit.MILLISECONDS);
    }

    /** Every heartbeat: a ping for every stream, and the end of the streams whose session ran out. */
    private void beat() {
        try {
            for (Outbox stream : streams.keySet()) {
                stream.offer(Frames.PING);
            }
            for (String token : sessions.expire()) {
                endStreams(token);
            }
        } catch (RuntimeException e) {
            LOG.warn("A heartbeat failed: {}", e.toString()); // a task that throws is cancelled silently
        }
    }

    /** A change the broker stored, on the broker's thread, in the broker's order: encoded once, kept, queued for those who see it. */
    private void deliver(Broker.Stored stored) {
        Update update;
        try {
            update = JSON.readValue(stored.title(), Update.class);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Skipped event {}: not an update ({})", stored.id(), e.toString());
            return;
        }
        Delivery delivery = people.delivery(update.delivery()).orElse(null);
        synchronized (feed) {
            if (stored.id() <= lastId) {
                return; // heard twice (a reader that reconnected): sent once
            }
            if (stored.id() != lastId + 1 && lastId != 0) {
                history.clear(); // the broker trimmed what this instance never heard: older ids get a snapshot
            }
            lastId = stored.id();
            feed.notifyAll(); // a post may be waiting to hear this id back
            if (delivery == null || !update.kind().matches("position|status")) {
                return; // another app's event on the same broker
            }
            tracks.put(delivery.id(), new Track(update.x(), update.y(), update.status(), update.eta()));
            byte[] frame = Frames.event(update.kind(), stored.id(), json(new Change(delivery.id(), delivery.courier(),
                    update.x(), update.y(), update.status(), update.eta(), update.at())));
            if (history.size() == options.historySize()) {
                history.removeFirst();
            }
            history.addLast(new Kept(stored.id(), delivery, frame));
            streams.forEach((stream, viewer) -> {
                if (sees(viewer.user(), delivery) && stream.offer(frame)) {
                    sent.incrementAndGet();
                }
            });
        }
    }

    // --- Streams ---

    /** {@code GET /events}: a 401 without a session; else the stream, once Javalin has made the request asynchronous. */
    private void onConnect(Context ctx) {
        String accept = ctx.header("Accept");
        if (accept == null || !accept.toLowerCase(Locale.ROOT).contains("text/event-stream")) {
            ctx.status(HttpStatus.NOT_ACCEPTABLE).json(new Problem(
                    "this is an event stream: send Accept: text/event-stream (a browser's EventSource does)"));
            return;
        }
        // A 401 is not text/event-stream: the browser's EventSource stops for good, and the page says so.
        User user = signedIn(ctx);
        Viewer viewer = new Viewer(user, ctx.cookie(Sessions.COOKIE));
        String lastEventId = ctx.header("Last-Event-ID");
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
        ctx.future(() -> {
            join(ctx, viewer, lastEventId, ended);
            return ended;
        });
    }

    private void join(Context ctx, Viewer viewer, String lastEventId, CompletableFuture<Void> ended) {
        Outbox outbox;
        try {
            outbox = new Outbox(ctx.req().getAsyncContext(), writers, options.queueLimits(), Set.of(),
                    (stream, end) -> left(stream, end, ended));
        } catch (IOException gone) {
            ended.complete(null);
            return;
        }
        outbox.start();
        List<byte[]> first = new ArrayList<>();
        first.add(Frames.retry(retryFor()));
        synchronized (feed) {
            // Signed out (or draining) since the check in onConnect: end at once, the browser comes back to a 401.
            if (draining || sessions.user(viewer.token()).isEmpty()) {
                outbox.begin(first);
                outbox.finish();
                return;
            }
            List<byte[]> resumed = resume(viewer.user(), lastEventId);
            sent.addAndGet(resumed.size());
            first.addAll(resumed);
            streams.put(outbox, viewer);
            outbox.begin(first);
        }
    }

    /**
     * Lesson 07's resume, for one user: what they missed after {@code Last-Event-ID}, or a snapshot of
     * everything they see when that cannot be replayed (no id, a bad one, one never given out, or one
     * older than the history). Holds the feed lock.
     */
    private List<byte[]> resume(User user, String lastEventId) {
        if (lastEventId == null || lastEventId.isEmpty()) {
            return List.of(snapshot(user));
        }
        long seen = idOf(lastEventId);
        // TODO 2: replay what this user missed. If seen is -1 (not an id), above lastId (never given
        //   out), or older than the history keeps (keepsEverythingAfter(seen) is false), send
        //   snapshot(user) instead. Else send the frame of every kept event with an id above seen
        //   that this user sees: only theirs, whatever id they send.
        // solution:begin TODO 2
        if (seen < 0 || seen > lastId || !keepsEverythingAfter(seen)) {
            return List.of(snapshot(user));
        }
        List<byte[]> missed = new ArrayList<>();
        for (Kept kept : history) {
            if (kept.id() > seen && sees(user, kept.delivery())) {
                missed.add(kept.frame());
            }
        }
        return missed;
        // solution:end
    }

    /** Whether the history holds every event after {@code seen}. Holds the feed lock. */
    private boolean keepsEverythingAfter(long seen) {
        return history.isEmpty() ? seen == lastId : history.peekFirst().id() <= seen + 1;
    }

    /** The {@code deliveries} event: every delivery this user sees, where it is now, with the newest id as its id. Holds the feed lock. */
    private byte[] snapshot(User user) {
        List<View> views = new ArrayList<>();
        for (Delivery delivery : people.deliveries()) {
            if (sees(user, delivery)) {
                views.add(view(delivery));
            }
        }
        return Frames.event("deliveries", lastId, json(new Snapshot(user.name(), roleName(user), lastId, views)));
    }

    private List<View> views(User user) {
        synchronized (feed) {
            List<View> views = new ArrayList<>();
            for (Delivery delivery : people.deliveries()) {
                if (sees(user, delivery)) {
                    views.add(view(delivery));
                }
            }
            return views;
        }
    }

    /** Holds the feed lock. */
    private View view(Delivery delivery) {
        Track track = tracks.get(delivery.id());
        return new View(delivery.id(), delivery.customer(), delivery.courier(), delivery.route(), track.x(), track.y(),
                track.status(), track.eta());
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

    /** Closes every stream at once, as a crash would (the tests' dropped connection). */
    int dropAll() {
        int dropped = 0;
        for (Outbox stream : streams.keySet()) {
            stream.abort();
            dropped++;
        }
        return dropped;
    }

    /** Lesson 08's graceful stop: refuse new streams and posts, tell every client when to come back, wait, let go. */
    private void shutDown() {
        Scheduler.stop(timer);
        synchronized (feed) {
            draining = true;
        }
        for (Outbox stream : streams.keySet()) {
            stream.offer(Frames.retry(retryFor()));
            stream.finish();
        }
        awaitNoStreams(options.drainFor());
        int stuck = dropAll();
        if (stuck > 0) {
            LOG.warn("{} streams had not read their last frames after {} ms: closed", stuck, options.drainFor().toMillis());
        }
        broker.close();
        writers.shutdownNow();
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

    private static String roleName(User user) {
        return user.role().name().toLowerCase(Locale.ROOT);
    }

    private static String pageOf(User user) {
        return "/" + roleName(user) + ".html";
    }
}
