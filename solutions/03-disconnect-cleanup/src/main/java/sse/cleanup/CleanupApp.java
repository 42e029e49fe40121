package sse.cleanup;

import io.javalin.Javalin;
import io.javalin.http.sse.SseClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sse.support.Lesson;
import sse.support.Scheduler;

import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lesson 03: work per client that stops when the client leaves.
 *
 * Each client gets its own readings (a made-up temperature every second) and its own heartbeat,
 * both scheduled on one shared executor: no thread per client. When a write to the client fails,
 * Javalin calls {@code onClose}, and we cancel both and forget the client. The heartbeat, a
 * comment line the browser ignores, is what makes a write happen on a quiet stream, so a client
 * that vanished is found even when there is nothing to say. {@code /stats} shows what is open.
 */
public final class CleanupApp {

    static final String LESSON = "03-disconnect-cleanup";
    private static final Logger LOG = LoggerFactory.getLogger(CleanupApp.class);

    /**
     * The knobs, with production defaults.
     *
     * @param readingEvery   time between two readings sent to a client
     * @param heartbeatEvery time between two heartbeat comments; 15 s keeps proxies from closing a quiet stream
     * @param clock          where each reading's time comes from
     */
    public record Options(Duration readingEvery, Duration heartbeatEvery, Clock clock) {
        public static Options defaults() {
            return new Options(Duration.ofSeconds(1), Duration.ofSeconds(15), Clock.systemUTC());
        }
    }

    /** One reading, sent as JSON. */
    public record Reading(long n, double celsius, String time) {
    }

    /** What {@code GET /stats} answers: streams open now, and scheduled tasks still alive. */
    public record Stats(int openStreams, int scheduledTasks) {
    }

    /** The work scheduled for one client. */
    private record Work(ScheduledFuture<?> readings, ScheduledFuture<?> heartbeat) {
        void cancel() {
            readings.cancel(false);
            if (heartbeat != null) {
                heartbeat.cancel(false);
            }
        }

        int alive() {
            return (readings.isDone() ? 0 : 1) + (heartbeat == null || heartbeat.isDone() ? 0 : 1);
        }
    }

    private final Options options;
    private final Map<SseClient, Work> clients = new ConcurrentHashMap<>();
    // One thread runs every client's readings and heartbeats.
    private final ScheduledThreadPoolExecutor scheduler = Scheduler.singleThread("per-client-work");

    public CleanupApp(Options options) {
        this.options = options;
        // Otherwise a cancelled task stays queued, holding its client, until its next run was due.
        scheduler.setRemoveOnCancelPolicy(true);
    }

    public static void main(String[] args) {
        Lesson.run(new CleanupApp(Options.defaults()).create(), LESSON);
    }

    /** The server: the page at {@code /}, the stream at {@code /events}, the numbers at {@code /stats}. */
    public Javalin create() {
        return Javalin.create(config -> {
            Lesson.configure(config, LESSON);
            config.routes.sse("/events", this::onConnect);
            config.routes.get("/stats", ctx -> ctx.json(stats()));
            config.events.serverStopping(this::stopAll);
        });
    }

    /** Streams open now, and their scheduled tasks that have not been cancelled. */
    public Stats stats() {
        int tasks = clients.values().stream().mapToInt(Work::alive).sum();
        return new Stats(clients.size(), tasks);
    }

    /** Whether the scheduler's thread has ended (after the server stopped). */
    public boolean schedulerStopped() {
        return scheduler.isTerminated();
    }

    private void onConnect(SseClient client) {
        client.keepAlive();
        AtomicLong readings = new AtomicLong();
        long every = options.readingEvery().toMillis();
        ScheduledFuture<?> reading = scheduler.scheduleAtFixedRate(
                () -> safely(() -> sendReading(client, readings.incrementAndGet())), every, every, TimeUnit.MILLISECONDS);
        ScheduledFuture<?> heartbeat = startHeartbeat(client);
        clients.put(client, new Work(reading, heartbeat));
        // TODO 1: when the client leaves, cancel its work and forget it: call forget(client).
        //   Javalin calls onClose after a write to the client has failed.
        // solution:begin TODO 1
        client.onClose(() -> forget(client));
        // solution:end
        if (client.terminated()) {
            forget(client); // it failed a write before onClose was set: that callback will never come
        }
    }

    /** Schedules a comment line every heartbeat interval; returns it so it can be cancelled. */
    private ScheduledFuture<?> startHeartbeat(SseClient client) {
        long every = options.heartbeatEvery().toMillis();
        // TODO 2: every heartbeat interval, send the comment "ping" (client.sendComment) and
        //   return the ScheduledFuture. A comment is a line starting with ':' that the browser
        //   ignores; writing it is how a dead client is found on a quiet stream.
        // solution:begin TODO 2
        return scheduler.scheduleAtFixedRate(() -> safely(() -> client.sendComment("ping")), every, every, TimeUnit.MILLISECONDS);
        // solution:end
    }

    /** Cancels the client's readings and heartbeat and removes it. */
    private void forget(SseClient client) {
        Work work = clients.remove(client);
        if (work != null) {
            work.cancel();
        }
    }

    /** Javalin's stop() closes the sockets without calling onClose: end every client's work here. */
    private void stopAll() {
        // TODO 3: forget every client that is still connected, then shut the scheduler down.
        // solution:begin TODO 3
        clients.keySet().forEach(this::forget);
        Scheduler.stop(scheduler);
        // solution:end
    }

    private void sendReading(SseClient client, long n) {
        double celsius = Math.round(ThreadLocalRandom.current().nextDouble(18, 24) * 10) / 10.0;
        String time = options.clock().instant().truncatedTo(ChronoUnit.SECONDS).toString();
        client.sendEvent("reading", new Reading(n, celsius, time), String.valueOf(n));
    }

    /** A periodic task that throws is cancelled without a word: log instead. */
    private static void safely(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.warn("Scheduled work failed: {}", e.toString());
        }
    }
}
