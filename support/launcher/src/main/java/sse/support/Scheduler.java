package sse.support;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;

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
}
