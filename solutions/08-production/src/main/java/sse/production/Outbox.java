package sse.production;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;

import java.io.IOException;
import java.util.ArrayDeque;
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
final class Outbox implements WriteListener, AsyncListener {

    /** Why a stream ended. */
    enum End {
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
    record Limits(int maxEvents, int maxBytes) {
        Limits {
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
    private int queuedBytes; // guarded by this
    private boolean drainScheduled; // guarded by this: a drain is waiting in the writers' queue
    private boolean unflushed; // guarded by this: frames written since the last flush
    private boolean finishing; // guarded by this: end the stream once the queue is written
    private End ended; // guarded by this: null while the stream is open
    private long lastQueuedNanos = System.nanoTime(); // guarded by this: when a frame was last queued

    Outbox(AsyncContext async, Executor writers, Limits limits, Set<Topic> topics, BiConsumer<Outbox, End> onEnd)
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
    void start() {
        async.setTimeout(0); // a stream has no end in time; heartbeats find clients that have gone
        async.addListener(this);
        out.setWriteListener(this);
    }

    /** Whether this client asked for {@code topic}'s events. */
    boolean wants(Topic topic) {
        return topics.contains(topic);
    }

    /**
     * Queues a frame for this client and makes sure a writer will write it. Never blocks and never writes.
     *
     * @return false if the stream has ended, or has just been cut off because its queue was full
     */
    boolean offer(byte[] frame) {
        synchronized (this) {
            if (ended != null || finishing) {
                return false;
            }
            // TODO 2: a queue without a limit lets one client that stops reading hold ever more memory.
            //   If this frame would take the queue past limits.maxEvents() frames or limits.maxBytes()
            //   bytes, cut the client off instead: call cutOff() and return false.
            // solution:begin TODO 2
            if (queue.size() + 1 > limits.maxEvents() || (long) queuedBytes + frame.length > limits.maxBytes()) {
                cutOff();
                return false;
            }
            // solution:end
            queue.addLast(frame);
            queuedBytes += frame.length;
            lastQueuedNanos = System.nanoTime();
            if (drainScheduled) {
                return true; // the writer that will run takes this frame too
            }
            drainScheduled = true;
        }
        writers.execute(this::drain);
        return true;
    }

    /** Ends the stream once everything queued so far is written; later offers are refused. */
    void finish() {
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
        writers.execute(this::drain);
    }

    /** Ends the stream now, whatever is still queued: the connection is closed. */
    void abort() {
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
    synchronized boolean quietFor(long nanos) {
        return System.nanoTime() - lastQueuedNanos >= nanos;
    }

    /** How many bytes wait in the queue now. */
    synchronized int queuedBytes() {
        return queuedBytes;
    }

    /** Whether the stream has ended. */
    synchronized boolean ended() {
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
                //   frame with queue.pollFirst(); if there is one, take its length off queuedBytes,
                //   out.write(frame) and set unflushed; if the queue is empty and unflushed is set,
                //   clear it and out.flush(); if the queue is empty and all is flushed, stop. Never write
                //   when isReady() is false: Jetty calls onWritePossible() when the client has read.
                // solution:begin TODO 1
                while (out.isReady()) {
                    byte[] frame = queue.pollFirst();
                    if (frame != null) {
                        queuedBytes -= frame.length;
                        out.write(frame);
                        unflushed = true;
                    } else if (unflushed) {
                        unflushed = false;
                        out.flush();
                    } else {
                        break;
                    }
                }
                // solution:end
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

    /** Called while the lock is held: marks the stream ended and drops the queue. Returns the end, or null if it had ended. */
    private End close(End why) {
        if (ended != null) {
            return null;
        }
        ended = why;
        queue.clear();
        queuedBytes = 0;
        return why;
    }

    /** Called while the lock is held, from offer(): the queue is full. */
    private void cutOff() {
        End end = close(End.CUT_OFF);
        if (end != null) {
            // The socket is closed now, not after what is queued in Jetty is written: the client sees
            // the stream break and reconnects with the last id it read.
            writers.execute(() -> {
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
