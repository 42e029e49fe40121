package sse.sseclient;

import io.javalin.Javalin;
import io.javalin.http.sse.SseClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sse.support.Lesson;
import sse.support.Scheduler;

import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lesson 02: the same feed with Javalin's {@link SseClient}.
 *
 * Javalin writes the headers and the framing; we say what to send. {@code keepAlive()} parks the
 * request without a thread, so a stream costs a socket and a little memory instead of one of the
 * server's ~250 threads. On connect each client gets a named {@code welcome} event whose data
 * spans several lines; then a named {@code tick} every second, with JSON data and an id; and every
 * tenth tick an unnamed event, which the browser hands to {@code onmessage}.
 */
public final class SseClientApp {

    static final String LESSON = "02-sse-client";
    private static final Logger LOG = LoggerFactory.getLogger(SseClientApp.class);

    /**
     * The knobs, with production defaults.
     *
     * @param interval      time between two ticks
     * @param announceEvery send an unnamed event after this many ticks
     * @param clock         where the time in each tick comes from
     */
    public record Options(Duration interval, int announceEvery, Clock clock) {
        public static Options defaults() {
            return new Options(Duration.ofSeconds(1), 10, Clock.systemUTC());
        }
    }

    /** A tick's data. Javalin turns it into JSON with its JSON mapper (Jackson). */
    public record Tick(long n, String time) {
    }

    private final Options options;
    private final AtomicInteger clientsSoFar = new AtomicInteger();
    // One thread sends every client's ticks: a stream needs no thread of its own.
    private final ScheduledThreadPoolExecutor ticker = Scheduler.singleThread("ticker");

    // Every client's scheduled ticks, so we can count those still running.
    private final Set<ScheduledFuture<?>> schedules = ConcurrentHashMap.newKeySet();

    public SseClientApp(Options options) {
        this.options = options;
        // Otherwise a cancelled task stays queued, holding its client, until its next run was due.
        ticker.setRemoveOnCancelPolicy(true);
    }

    public static void main(String[] args) {
        Lesson.run(new SseClientApp(Options.defaults()).create(), LESSON);
    }

    /** The server: the page at {@code /} and the stream at {@code /events}. */
    public Javalin create() {
        return Javalin.create(config -> {
            Lesson.configure(config, LESSON);
            config.routes.sse("/events", this::onConnect);
            // Javalin's stop() does not call onClose: stop the ticks ourselves.
            config.events.serverStopping(() -> Scheduler.stop(ticker));
        });
    }

    /** How many clients are being sent ticks right now. */
    public int tickingClients() {
        schedules.removeIf(ScheduledFuture::isDone); // cancelled ones are done
        return schedules.size();
    }

    /** Whether the tick thread has stopped (after the server stopped). */
    public boolean tickerStopped() {
        return ticker.isTerminated();
    }

    private void onConnect(SseClient client) {
        // TODO 1: keep the stream open after this method returns.
        //   Without it Javalin ends the response as soon as onConnect is done.
        // solution:begin TODO 1
        client.keepAlive();
        // solution:end

        AtomicLong ticks = new AtomicLong();
        ScheduledFuture<?> ticking = ticker.scheduleAtFixedRate(() -> tick(client, ticks.incrementAndGet()),
                options.interval().toMillis(), options.interval().toMillis(), TimeUnit.MILLISECONDS);
        schedules.add(ticking);
        // TODO 2: stop this client's ticks when it leaves.
        //   Javalin calls onClose when a write to the client fails. Register it before the
        //   first write: a client that is already gone fails on the welcome.
        // solution:begin TODO 2
        client.onClose(() -> ticking.cancel(false));
        // solution:end

        int number = clientsSoFar.incrementAndGet();
        // TODO 3: send a "welcome" event whose data is this text, with its line breaks.
        String welcome = "Welcome, client " + number + "!\n"
                + "A tick comes every " + options.interval().toMillis() + " ms.\n"
                + "This text has three lines.";
        // solution:begin TODO 3
        client.sendEvent("welcome", welcome);
        // solution:end
    }

    /** A periodic task that throws is cancelled without a word: say what went wrong instead. */
    private void tick(SseClient client, long n) {
        try {
            sendTick(client, n);
            if (n % options.announceEvery() == 0) {
                // No event name: the browser delivers it to onmessage.
                client.sendData(n + " ticks sent to you so far");
            }
        } catch (RuntimeException e) {
            LOG.warn("Tick {} failed: {}", n, e.getMessage());
        }
    }

    private void sendTick(SseClient client, long n) {
        String time = options.clock().instant().truncatedTo(ChronoUnit.SECONDS).toString();
        // TODO 4: send the tick as an event named "tick", with the record as its data and n as its id.
        //   Javalin writes a record as JSON; the id lets a reconnecting browser say where it was.
        // solution:begin TODO 4
        client.sendEvent("tick", new Tick(n, time), String.valueOf(n));
        // solution:end
    }
}
