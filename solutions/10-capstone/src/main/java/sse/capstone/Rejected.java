package sse.capstone;

import io.javalin.http.HttpStatus;

/** A request answered with a 4xx: its status and what was wrong, in words. Nothing was changed. */
public final class Rejected extends RuntimeException {

    private final HttpStatus status;
    private final long retryAfterMillis;

    public Rejected(HttpStatus status, String message) {
        this(status, message, 0);
    }

    public Rejected(HttpStatus status, String message, long retryAfterMillis) {
        super(message, null, false, false);
        this.status = status;
        this.retryAfterMillis = retryAfterMillis;
    }

    public HttpStatus status() {
        return status;
    }

    /** For a 429: how long to wait, in milliseconds; 0 otherwise. */
    public long retryAfterMillis() {
        return retryAfterMillis;
    }
}
