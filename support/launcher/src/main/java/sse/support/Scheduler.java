package sse.support;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The one timer thread a lesson's periodic work runs on (ticks, heartbeats, timeouts). */
public final class Scheduler {

    private Scheduler() {
    }

    /**
     * A scheduler with one thread called {@code name}. The thread is a daemon, so a timer that
     * is still scheduled never keeps the JVM alive after the server has stopped.
     */
    public static ScheduledThreadPoolExecutor singleThread(String name) {
        return new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = Executors.defaultThreadFactory().newThread(runnable);
            thread.setName(name);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Stops a timer when the server stops, and waits (at most 2 s) for a run that has begun, so
     * that nothing it writes comes after the server has stopped: once Jetty has stopped it recycles
     * its requests, and a late write to one sends Javalin's error handling round in a loop that
     * logs an exception for as long as it runs. Runs still waiting are cancelled; the run in
     * progress is not interrupted in the middle of a write.
     */
    public static void stop(ScheduledThreadPoolExecutor timer) {
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        timer.shutdown();
        try {
            if (!timer.awaitTermination(2, TimeUnit.SECONDS)) {
                timer.shutdownNow();
            }
        } catch (InterruptedException e) {
            timer.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
