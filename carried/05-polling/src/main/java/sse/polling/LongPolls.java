// Lesson 05-polling's finished code, generated from solutions/05-polling/src/main/java/sse/polling/LongPolls.java: edit that file, then run ./mvnw -q -pl tools compile exec:java -Dexec.args="starters --write".
package sse.polling;

import sse.support.Scheduler;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The long polls that are waiting for the next movie. A waiting poll is not a thread: it is a
 * {@link CompletableFuture} that Javalin answers the request with once it completes ({@code ctx.future}).
 * It completes when {@link #wakeAll} is called after a publish, with the movies its client has not
 * seen, or when the timeout passes, with none ({@code []}); then it leaves this set.
 *
 * <p>Nothing tells the server that a waiting client has gone: its poll stays here until it is woken
 * or times out, and the answer goes nowhere. The timeout is what keeps them from piling up.
 *
 * <p>Polls come and go with every request, so the set is a {@code ConcurrentHashMap}'s key set:
 * adding and removing are cheap, which a {@code CopyOnWriteArraySet} (lesson 04's choice for clients
 * that stay) would not be. {@link #park} and {@link #wakeAll} must be called holding the app's feed
 * lock: see {@code PollingApp.longPoll}.
 */
public final class LongPolls {

    /** One waiting poll: the id its client already has, and the answer it is waiting for. */
    private record Waiting(long after, CompletableFuture<List<Movie>> answer) {
    }

    private final Set<Waiting> waiting = ConcurrentHashMap.newKeySet();
    private final Duration timeout;
    // One thread ends the polls that time out.
    private final ScheduledThreadPoolExecutor timer = Scheduler.singleThread("long-poll-timeouts");

    public LongPolls(Duration timeout) {
        this.timeout = timeout;
        timer.setRemoveOnCancelPolicy(true); // a poll that is woken early takes its timeout out of the queue
    }

    /**
     * A poll that waits for the next movie newer than {@code after}. The future completes with the
     * movies of the next {@link #wakeAll}, or with an empty list when the timeout passes.
     */
    public CompletableFuture<List<Movie>> park(long after) {
        Waiting poll = new Waiting(after, new CompletableFuture<>());
        waiting.add(poll);
        ScheduledFuture<?> timesOut = timer.schedule(() -> poll.answer().complete(List.of()),
                timeout.toNanos(), TimeUnit.NANOSECONDS);
        // Whichever comes first, a wake or the timeout, the poll is done: forget it and its timeout.
        poll.answer().whenComplete((movies, failure) -> {
            waiting.remove(poll);
            timesOut.cancel(false);
        });
        return poll.answer();
    }

    /**
     * Answers every waiting poll with the movies in {@code history} newer than the id it sent.
     *
     * @return how many polls it answered
     */
    public int wakeAll(MovieHistory history) {
        // Lesson 05, TODO 3 (done): complete every waiting poll's answer with history.after(its after), and count them.
        //   Completing the future is what sends the response: Javalin is waiting for it. A poll
        //   completed here leaves the set by itself (see park), even while this loop runs.
        int woken = 0;
        for (Waiting poll : waiting) {
            if (poll.answer().complete(history.after(poll.after()))) {
                woken++;
            }
        }
        return woken;
    }

    /** How many polls are waiting now. */
    public int count() {
        return waiting.size();
    }

    /** Answers every waiting poll with {@code []} and stops the timer, when the server stops. */
    public void stop() {
        for (Waiting poll : waiting) {
            poll.answer().complete(List.of());
        }
        timer.shutdownNow();
    }

    /** Whether the timer thread has stopped (after {@link #stop}). */
    public boolean stopped() {
        return timer.isTerminated();
    }
}
