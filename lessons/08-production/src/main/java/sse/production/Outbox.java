package sse.production;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * One client's stream: the frames waiting for it, and the code that writes them without ever blocking.
 *
 * <p>A publisher only puts frames in the queue ({@link #offer}); a writer thread, never the
 * publisher's, takes them out and writes them ({@link #drain}) for as long as the socket takes them.
 * When it is full, the output stream says "not ready" and Jetty calls {@link #onWritePossible} once the
 * client has read some: nobody waits. A client that stops reading fills its queue, and when the queue
 * reaches its limit the client is cut off: its browser reconnects with {@code Last-Event-ID} and is sent
 * what it missed from the history. So a stalled client holds at most the limit in memory, and never
 * holds up anyone else.
 *
 * <p>Thread safety: everything that touches the queue or the output stream holds this object's lock.
 * No write under it ever blocks (the stream is in the Servlet API's non-blocking mode), so the lock is
 * only ever held briefly.
 */
public final class Outbox implements WriteListener, AsyncListener {

    /** Why a stream ended. */
    public enum End {
        /** the client went away, or a write failed */
        LEFT,
        /** its queue reached the limit: it was cut off, and comes back with Last-Event-ID */
        CUT_OFF,
        /** the server ended it on purpose (shutting down, or refusing while it drains) */
        FINISHED,
        /** the server closed its connection at once ({@link #abort}): a crash, as the client sees it */
        DROPPED
    }

    /** The most a client may have waiting: this many frames, or this many bytes, whichever comes first. */
    public record Limits(int maxEvents, int maxBytes) {
        public Limits {
            if (maxEvents < 1 || maxBytes < 1) {
                throw new IllegalArgumentException("limits must be at least 1: " + maxEvents + " events, " + maxBytes + " bytes");
            }
        }
    }

    private final AsyncContext async;
    private final ServletOutputStream out;
    private final Executor writers;
    private final Limits limits;
    private final Set<Topic> topics;
    private final BiConsumer<Outbox, End> onEnd;

    private final ArrayDeque<byte[]> queue = new ArrayDeque<>(2); // guarded by this
    private int queuedBytes; // guarded by this: bytes of the counted frames
    private int uncountedAhead; // guarded by this: frames at the head queued by begin(), not counted
    private boolean drainScheduled; // guarded by this: a drain is waiting in the writers' queue
    private boolean unflushed; // guarded by this: frames written since the last flush
    private boolean begun; // guarded by this: begin() has queued the first frames
    private boolean finishing; // guarded by this: end the stream once the queue is written
    private End ended; // guarded by this: null while the stream is open
    private long lastQueuedNanos = System.nanoTime(); // guarded by this: when a frame was last queued

    public Outbox(AsyncContext async, Executor writers, Limits limits, Set<Topic> topics, BiConsumer<Outbox, End> onEnd)
            throws IOException {
        this.async = async;
        this.out = async.getResponse().getOutputStream();
        this.writers = writers;
        this.limits = limits;
        this.topics = Set.copyOf(topics);
        this.onEnd = onEnd;
    }

    /**
     * Puts the stream in non-blocking mode: from now on Jetty calls {@link #onWritePossible} when the
     * socket can take more. Call once, before the first {@link #offer}.
     */
    public void start() {
        async.setTimeout(0); // a stream has no end in time; heartbeats find clients that have gone
        async.addListener(this);
        out.setWriteListener(this);
    }

    /** Whether this client asked for {@code topic}'s events. */
    public boolean wants(Topic topic) {
        return topics.contains(topic);
    }

    /**
     * Queues a frame for this client and makes sure a writer will write it. Never blocks and never writes.
     *
     * @return false if the stream has ended, or has just been cut off because its queue was full, or has
     *         not begun: a timer that runs without the feed lock (the heartbeat, the stats) may meet a new
     *         stream between its joining the list and its first frames, and what it sends then is not needed
     */
    public boolean offer(byte[] frame) {
        synchronized (this) {
            if (ended != null || finishing || !begun) {
                return false;
            }
            // TODO 2: a queue without a limit lets one client that stops reading hold ever more memory.
            //   If this frame would take the queue past limits.maxEvents() frames (countedFrames() + 1)
            //   or past limits.maxBytes() bytes (queuedBytes + frame.length, as a long: no overflow),
            //   cut the client off instead: call cutOff() and return false.
            sse.support.Todo.remind(2, "cut off a client whose queue would pass its limits",
                    "docs/08-production.md#todo-2-cut-off-a-client-that-does-not-read");
            // No limit: a client that stops reading holds more memory with every event.
            queue.addLast(frame);
            queuedBytes += frame.length;
            lastQueuedNanos = System.nanoTime();
            if (drainScheduled) {
                return true; // the writer that will run takes this frame too
            }
            drainScheduled = true;
        }
        schedule(this::drain);
        return true;
    }

    /**
     * Queues the stream's first frames: its {@code retry:}, then a welcome, a replay or a reset. They do
     * not count against the limits: a replay is the history's own frames, which cost no memory of their
     * own (a client far behind would otherwise be cut off by its own catch-up), and the rest is a few
     * bytes. Call once, before any {@link #offer}, while the feed lock keeps publishers out.
     */
    public void begin(List<byte[]> frames) {
        synchronized (this) {
            if (ended != null || finishing || begun) {
                throw new IllegalStateException("the first frames go first, once, into an open stream");
            }
            begun = true;
            queue.addAll(frames);
            uncountedAhead = frames.size();
            if (drainScheduled || frames.isEmpty()) {
                return;
            }
            drainScheduled = true;
        }
        schedule(this::drain);
    }

    /** Ends the stream once everything queued so far is written; later offers are refused. */
    public void finish() {
        synchronized (this) {
            if (ended != null || finishing) {
                return;
            }
            finishing = true;
            if (drainScheduled) {
                return;
            }
            drainScheduled = true;
        }
        schedule(this::drain);
    }

    /** Ends the stream now, whatever is still queued: the connection is closed. */
    public void abort() {
        End end;
        synchronized (this) {
            end = close(End.DROPPED);
        }
        if (end != null) {
            abortConnection();
            onEnd.accept(this, end);
        }
    }

    /** Whether nothing has been queued for this client for at least {@code nanos}. */
    public synchronized boolean quietFor(long nanos) {
        return System.nanoTime() - lastQueuedNanos >= nanos;
    }

    /** How many bytes wait in the queue now. */
    public synchronized int queuedBytes() {
        return queuedBytes;
    }

    /** Whether the stream has ended. */
    public synchronized boolean ended() {
        return ended != null;
    }

    /**
     * Writes queued frames for as long as the socket takes them, on a writer thread (or on Jetty's,
     * through {@link #onWritePossible}). Stops without waiting when the output stream is not ready:
     * Jetty calls {@link #onWritePossible} when it is.
     */
    private void drain() {
        End end = null;
        synchronized (this) {
            drainScheduled = false;
            if (ended != null) {
                return;
            }
            try {
                // TODO 1: write the queued frames without blocking. While out.isReady(): take the next
                //   frame with next(); if there is one, out.write(frame) and set unflushed; if there is
                //   none and unflushed is set, clear it and out.flush(); if there is none and all is
                //   flushed, stop. Never write when isReady() is false: Jetty calls onWritePossible()
                //   when the client has read some, and the writing goes on from there.
                sse.support.Todo.remind(1, "write the queued frames while out.isReady(), then flush",
                        "docs/08-production.md#todo-1-write-without-blocking");
                // Nothing is written yet: every frame stays in the queue.
                if (finishing && queue.isEmpty() && !unflushed && out.isReady()) {
                    end = close(End.FINISHED);
                }
            } catch (Exception failed) { // an IOException from a write: the client has gone
                end = close(End.LEFT);
            }
        }
        if (end != null) {
            onEnd.accept(this, end);
        }
    }

    /** Hands work to a writer; once the server has stopped there are none, and nothing is left to write. */
    private void schedule(Runnable work) {
        try {
            writers.execute(work);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // The server has stopped: its streams are closed already.
        }
    }

    /** Called while the lock is held: takes the next frame out of the queue, and out of the count; null if none. */
    private byte[] next() {
        byte[] frame = queue.pollFirst();
        if (frame != null) {
            if (uncountedAhead > 0) {
                uncountedAhead--;
            } else {
                queuedBytes -= frame.length;
            }
        }
        return frame;
    }

    /** Called while the lock is held: how many queued frames count against the limits. */
    private int countedFrames() {
        return queue.size() - uncountedAhead;
    }

    /** Called while the lock is held: marks the stream ended and drops the queue. Returns the end, or null if it had ended. */
    private End close(End why) {
        if (ended != null) {
            return null;
        }
        ended = why;
        queue.clear();
        queuedBytes = 0;
        uncountedAhead = 0;
        return why;
    }

    /** Called while the lock is held, from offer(): the queue is full. */
    private void cutOff() {
        End end = close(End.CUT_OFF);
        if (end != null) {
            // The socket is closed now, not after what is queued in Jetty is written: the client sees
            // the stream break and reconnects with the last id it read.
            schedule(() -> {
                abortConnection();
                onEnd.accept(this, End.CUT_OFF);
            });
        }
    }

    /** Closes the connection without ending the response properly: the client sees a network error. */
    private void abortConnection() {
        try {
            ServletContextRequest.getServletContextRequest(async.getRequest())
                    .getServletChannel().abort(new IOException("stream ended by the server"));
        } catch (RuntimeException alreadyGone) {
            // The request has completed already: there is nothing left to close.
        }
    }

    // Jetty's calls. They come on Jetty's threads.

    @Override
    public void onWritePossible() {
        drain();
    }

    @Override
    public void onError(Throwable failure) {
        left();
    }

    @Override
    public void onComplete(AsyncEvent event) {
        left();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        left();
    }

    @Override
    public void onError(AsyncEvent event) {
        left();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // Not used: the stream starts async once.
    }

    private void left() {
        End end;
        synchronized (this) {
            end = close(End.LEFT);
        }
        if (end != null) {
            onEnd.accept(this, end);
        }
    }
}
