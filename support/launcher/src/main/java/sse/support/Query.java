package sse.support;

import io.javalin.http.Context;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The query string's parameters, decoded as UTF-8 whatever the request says.
 *
 * <p>Not Javalin's {@code ctx.queryParam}: it decodes the query with the charset of the request's
 * {@code Content-Type}, a header a {@code GET} has no reason to send, and when that header is odd it
 * answers 500 ({@code Content-Type: text/plain; charset}) or drops every parameter
 * ({@code Content-Type: charset=x}): a poll would lose its {@code after}, a stream its
 * {@code lastEventId} and with it the replay.
 *
 * <pre>{@code
 * List<String> after = Query.values(ctx, "after");   // none, one, or more
 * String topics = Query.first(ctx, "topics");         // or null
 * }</pre>
 */
public final class Query {

    private Query() {
    }

    /**
     * Every value of {@code name}, in order (a parameter without {@code =} has the value "");
     * a name or value that does not decode ({@code %zz}) is left out.
     */
    public static List<String> values(Context ctx, String name) {
        return values(ctx.queryString(), name);
    }

    /** The first value of {@code name}, or null if there is none. */
    public static String first(Context ctx, String name) {
        List<String> values = values(ctx, name);
        return values.isEmpty() ? null : values.get(0);
    }

    /** The same from a raw query string ({@code a=1&b=%20}), or none for a null one. */
    static List<String> values(String query, String name) {
        List<String> values = new ArrayList<>();
        if (query == null || query.isEmpty()) {
            return values;
        }
        for (String pair : query.split("&", -1)) {
            int equals = pair.indexOf('=');
            try {
                String key = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
                if (key.equals(name)) {
                    values.add(equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
                }
            } catch (IllegalArgumentException malformed) {
                // not a parameter anyone can read: left out
            }
        }
        return values;
    }
}
