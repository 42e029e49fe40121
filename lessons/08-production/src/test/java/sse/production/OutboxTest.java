package sse.production;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Given code, not a TODO: the order of a new stream's first frames. The app puts a new stream in its
 * list and queues its first frames under the feed lock; the heartbeat and the stats timer run without
 * it, and may meet the stream in between. Nothing they send may get ahead of the first frames.
 */
class OutboxTest {

    private final List<Runnable> scheduled = new ArrayList<>();

    @Test
    @DisplayName("a frame offered before the first frames is refused, and the first frames still go first")
    void nothingGetsAheadOfTheFirstFrames() {
        Outbox outbox = outbox();
        byte[] stats = "event: stats\ndata: {}\n\n".getBytes(StandardCharsets.UTF_8);
        assertFalse(outbox.offer(stats), "a timer that meets the stream before begin() is told it did not queue");
        assertTrue(scheduled.isEmpty(), "and no writer is woken for it");
        List<byte[]> first = List.of(Frames.retry(3000), "event: welcome\ndata: {}\n\n".getBytes(StandardCharsets.UTF_8));
        assertDoesNotThrow(() -> outbox.begin(first), "the first frames are queued, whatever a timer tried before");
        assertEquals(1, scheduled.size(), "one writer is woken for the first frames");
        assertTrue(outbox.offer(stats), "after them, frames are queued as usual");
        assertThrows(IllegalStateException.class, () -> outbox.begin(first), "the first frames are queued once");
    }

    /** An Outbox on a stand-in servlet stream; writers only collect their work, nothing is written. */
    private Outbox outbox() {
        ServletOutputStream out = new ServletOutputStream() {
            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setWriteListener(WriteListener listener) {
            }

            @Override
            public void write(int b) {
            }
        };
        ServletResponse response = (ServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[]{ServletResponse.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getOutputStream")) {
                        return out;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        AsyncContext async = (AsyncContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[]{AsyncContext.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getResponse" -> response;
                    case "setTimeout", "addListener" -> null;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        try {
            Outbox outbox = new Outbox(async, scheduled::add, new Outbox.Limits(1000, 256 * 1024), Set.of(Topic.MOVIES, Topic.STATS),
                    (stream, end) -> { });
            outbox.start();
            return outbox;
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
