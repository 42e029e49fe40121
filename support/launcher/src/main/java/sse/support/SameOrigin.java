package sse.support;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;

import java.util.Locale;

/**
 * Refuses requests that change the server's state when they come from another site's page.
 *
 * <p>A browser sends a form's {@code POST} to any server, with the user's cookies, and opens a
 * WebSocket to any server: the same-origin policy only stops the page from reading the answer, after
 * the harm is done. What a browser does send is where the request comes from: {@code Origin} on every
 * {@code POST} and WebSocket upgrade, and {@code Sec-Fetch-Site} on every request of a recent browser.
 * So a write (any method but {@code GET}, {@code HEAD} and {@code OPTIONS}) and a WebSocket upgrade are
 * let through only when {@code Origin} is this server's own scheme and {@code Host}, or when neither
 * header is there (curl, the JDK's {@code HttpClient}: no browser, no other site's page behind it).
 * {@link Lesson#configure} answers a refusal with {@code 403} and {@code {"error": "..."}}.
 *
 * <pre>{@code
 * config.routes.before(SameOrigin::require);             // every POST of the lesson
 * config.routes.wsBeforeUpgrade("/ws", SameOrigin::require); // and the WebSocket
 * }</pre>
 */
public final class SameOrigin {

    /** A cross-origin request that was refused; the message says why. */
    public static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private SameOrigin() {
    }

    /** A before-handler: lets reads through; refuses a write or a WebSocket upgrade from another origin. */
    public static void require(Context ctx) {
        HandlerType method = ctx.method();
        boolean upgrade = "websocket".equalsIgnoreCase(String.valueOf(ctx.header("Upgrade")).strip());
        if (!upgrade && (method == HandlerType.GET || method == HandlerType.HEAD || method == HandlerType.OPTIONS)) {
            return;
        }
        String problem = problem(ctx.header("Origin"), ctx.header("Sec-Fetch-Site"), ctx.scheme(), ctx.host());
        if (problem != null) {
            throw new Refused(problem);
        }
    }

    /**
     * Why a request with these headers is refused, or null if it is not.
     *
     * @param origin    the {@code Origin} header, or null
     * @param fetchSite the {@code Sec-Fetch-Site} header, or null
     * @param scheme    the request's scheme, {@code http}
     * @param host      the {@code Host} header: the address the browser used, {@code 127.0.0.1:7070}
     *                  or, with {@code -Dhost=0.0.0.0}, the machine's own
     */
    public static String problem(String origin, String fetchSite, String scheme, String host) {
        if (origin != null) {
            String ours = host == null ? null : normalize(scheme + "://" + host.strip());
            if (ours == null || !normalize(origin.strip()).equals(ours)) {
                return "refused a request from another origin: Origin " + shorten(origin) + " is not this server's "
                        + (ours == null ? "origin (the request has no Host)" : ours)
                        + "; only the server's own pages may post here or open its WebSocket";
            }
        }
        if (fetchSite != null) {
            String site = fetchSite.strip().toLowerCase(Locale.ROOT);
            if (site.equals("cross-site") || site.equals("same-site")) {
                return "refused a request from another origin: Sec-Fetch-Site is " + shorten(fetchSite)
                        + "; only the server's own pages may post here or open its WebSocket";
            }
        }
        return null;
    }

    /** {@code HTTP://Example.com:80} and {@code http://example.com} are one origin. */
    private static String normalize(String origin) {
        String lower = origin.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") && lower.endsWith(":80")) {
            return lower.substring(0, lower.length() - 3);
        }
        if (lower.startsWith("https://") && lower.endsWith(":443")) {
            return lower.substring(0, lower.length() - 4);
        }
        return lower;
    }

    private static String shorten(String text) {
        return text.length() <= 100 ? text : text.substring(0, 100) + "...";
    }
}
