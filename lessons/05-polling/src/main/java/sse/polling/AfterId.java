package sse.polling;

import io.javalin.http.Context;
import sse.support.Query;

import java.util.List;
import java.util.regex.Pattern;

import static sse.registry.PostedMovie.badRequest;

/**
 * The {@code after} of a poll, as in {@code GET /movies?after=41}: the id of the newest movie the
 * client already has, {@code 0} when it has none. It comes from a stranger's URL, so it is checked
 * as strictly as a posted movie, and a bad one is answered with a 400 that says what is wrong (the
 * same {@link sse.registry.PostedMovie.Rejected} a bad post gets, so the answer is the same {@code {"error": ...}}).
 */
public final class AfterId {

    /** ASCII digits only: {@code Long.parseLong} would also take "+42" and other scripts' digits, like "٤٢". */
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");
    /** A number with a fraction or an exponent: "1.5", "1.0", ".5", "1e3". */
    private static final Pattern DECIMAL = Pattern.compile("[+-]?([0-9]*\\.[0-9]+|[0-9]+\\.[0-9]*|[0-9]+(?=[eE]))([eE][+-]?[0-9]+)?");

    private AfterId() {
    }

    /** The request's {@code after}, or a 400. Read with {@link Query}: Javalin's own reading depends on the Content-Type. */
    public static long from(Context ctx) {
        return parse(Query.values(ctx, "after"));
    }

    /** Every value the query string gave for {@code after} (none, one, or more) as one id, or a 400. */
    public static long parse(List<String> values) {
        // TODO 1: check after: return its one value as a long, or throw badRequest("...") saying what
        //   is wrong: missing, given twice, empty, negative, not a number, not a whole number, or too
        //   large for a long. Only the digits 0 to 9 make a number here.
        sse.support.Todo.remind(1, "check after: one whole number of 0 or more, or a 400 that says what is wrong",
                "docs/05-polling.md#todo-1-the-short-poll");
        // Takes whatever comes: "abc" or no after at all fails with a 500, and -1 is taken as it is.
        return Long.parseLong(values.get(0));
    }

    private static String quoted(String value) {
        return '"' + shorten(value) + '"';
    }

    private static String shorten(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}
