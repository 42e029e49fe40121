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
        // solution:begin TODO 1
        if (values.isEmpty()) {
            throw badRequest("after is missing: ask for ?after=0 to get every movie kept, then ?after=<the last id you got>");
        }
        if (values.size() > 1) {
            throw badRequest("after is given " + values.size() + " times: give it once");
        }
        String value = values.get(0);
        if (value.isEmpty()) {
            throw badRequest("after is empty: give the last id you got, or 0");
        }
        if (value.startsWith("-") && DIGITS.matcher(value.substring(1)).matches()) {
            throw badRequest("after must be 0 or more, not " + value);
        }
        if (!DIGITS.matcher(value).matches()) {
            throw badRequest((DECIMAL.matcher(value).matches() ? "after must be a whole number like 42, not "
                    : "after must be a number written with the digits 0 to 9, like 42, not ") + quoted(value));
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) { // only digits, so the only way to fail is to be too large
            throw badRequest("after is too large: ids go up to " + Long.MAX_VALUE + ", not " + shorten(value));
        }
        // solution:end
    }

    private static String quoted(String value) {
        return '"' + shorten(value) + '"';
    }

    private static String shorten(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}
