package sse.capstone;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * How often each courier may post a position: a token bucket per courier. The bucket holds at most
 * {@code burst} tokens and gains {@code perSecond} a second; a post takes one. A courier whose app
 * sends too fast gets a {@code 429} with {@code Retry-After}, and nobody else is slowed down.
 */
public final class RateLimit {

    /** A courier's bucket: the tokens in it at {@code at} (nanoTime). */
    private static final class Bucket {
        double tokens;
        long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }
    }

    private final double perSecond;
    private final int burst;
    private final LongSupplier nanoTime;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    public RateLimit(double perSecond, int burst) {
        this(perSecond, burst, System::nanoTime);
    }

    RateLimit(double perSecond, int burst, LongSupplier nanoTime) {
        if (perSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("a rate above 0 and a burst of at least 1, not " + perSecond + " and " + burst);
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.nanoTime = nanoTime;
    }

    /**
     * Takes one token from {@code courier}'s bucket if there is one.
     *
     * @return 0 if the post may go ahead, else how many milliseconds until the bucket has a token again
     */
    public long take(String courier) {
        Bucket bucket = buckets.computeIfAbsent(courier, name -> new Bucket(burst, nanoTime.getAsLong()));
        synchronized (bucket) {
            long now = nanoTime.getAsLong();
            // TODO 4: refill the bucket for the time since bucket.at (perSecond tokens a second, never
            //   more than burst), and set bucket.at to now. Then, if it holds at least one token, take
            //   it and return 0; if not, return the milliseconds until it will hold one (at least 1).
            // solution:begin TODO 4
            bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.at) / 1e9 * perSecond);
            bucket.at = now;
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - bucket.tokens) / perSecond * 1000));
            // solution:end
        }
    }
}
