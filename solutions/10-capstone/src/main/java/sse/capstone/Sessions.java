package sse.capstone;

import sse.capstone.People.User;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Who is signed in: a random token (the session cookie's value) for each sign-in, and when it ends.
 * The token is the only thing the browser holds; it names nobody and cannot be guessed (256 random bits).
 */
public final class Sessions {

    /** The cookie that carries the token: HttpOnly (no script reads it), SameSite=Strict (no other site sends it). */
    public static final String COOKIE = "tracker-session";

    private record Session(User user, long endsAt) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Duration lifetime;
    private final LongSupplier nanoTime;

    public Sessions(Duration lifetime) {
        this(lifetime, System::nanoTime);
    }

    Sessions(Duration lifetime, LongSupplier nanoTime) {
        this.lifetime = lifetime;
        this.nanoTime = nanoTime;
    }

    /** A new session for {@code user}: its token. */
    public String start(User user) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        sessions.put(token, new Session(user, nanoTime.getAsLong() + lifetime.toNanos()));
        return token;
    }

    /** The user of a session that is open now; empty for no token, an unknown one, or one that has ended. */
    public Optional<User> user(String token) {
        Session session = token == null ? null : sessions.get(token);
        if (session == null || nanoTime.getAsLong() - session.endsAt() >= 0) {
            return Optional.empty();
        }
        return Optional.of(session.user());
    }

    /** Ends a session (sign-out); true if it was open. */
    public boolean end(String token) {
        return token != null && sessions.remove(token) != null;
    }

    /** Forgets every session whose time is up, and returns their tokens: their streams must end too. */
    public List<String> expire() {
        long now = nanoTime.getAsLong();
        List<String> ended = new ArrayList<>();
        sessions.forEach((token, session) -> {
            if (now - session.endsAt() >= 0 && sessions.remove(token, session)) {
                ended.add(token);
            }
        });
        return ended;
    }

    /** How long a session lasts from its sign-in. */
    public Duration lifetime() {
        return lifetime;
    }
}
