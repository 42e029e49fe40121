package sse.check;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded waits: "within 2 s, this becomes true", never a fixed sleep. */
public final class Await {

    private Await() {
    }

    /**
     * Polls {@code condition} until it holds or {@code timeout} passes; then fails with the
     * message, which is computed only on failure so it can show the latest state.
     */
    public static void until(BooleanSupplier condition, Duration timeout, Supplier<String> message) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(message.get() + " (waited " + timeout.toMillis() + " ms)");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting: " + message.get(), e);
            }
        }
    }
}
