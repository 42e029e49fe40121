package sse.registry;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * A movie as a client posts it, {@code {"title": "The Matrix", "year": 1999}}, read and checked
 * before anything is sent to anyone. The body comes from a stranger: it is read within a size
 * limit, parsed as a JSON tree, and every field is checked by hand, so nothing is coerced or guessed.
 * Fields other than {@code title} and {@code year} are ignored: only what was checked is ever sent on.
 */
public record PostedMovie(String title, int year) {

    static final int MAX_TITLE_LENGTH = 200;
    static final int FIRST_YEAR = 1888; // the oldest film that survives
    static final int LAST_YEAR = 2100;

    private static final ObjectMapper STRICT_JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS) // {"title": ...} followed by more is not one value
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)   // two "title"s: which one did they mean?
            .build();

    /** A request we answer with a 4xx: its status and what was wrong, in words. Nothing is broadcast. */
    public static final class Rejected extends RuntimeException {
        private final HttpStatus status;

        Rejected(HttpStatus status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        public HttpStatus status() {
            return status;
        }
    }

    /** The request's body as a movie, or a {@link Rejected} that says why not. */
    public static PostedMovie from(Context ctx, int maxBodyBytes) {
        return validate(readJson(ctx, maxBodyBytes));
    }

    /** The body as a JSON tree: only {@code application/json}, only up to {@code maxBodyBytes}, only well-formed. */
    static JsonNode readJson(Context ctx, int maxBodyBytes) {
        String contentType = ctx.contentType();
        if (!isJson(contentType)) {
            throw new Rejected(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "send JSON in UTF-8 with Content-Type: application/json, not "
                    + (contentType == null ? "no Content-Type" : shorten(contentType)));
        }
        // The header, when there is one, lets us refuse without reading a byte.
        if (ctx.req().getContentLengthLong() > maxBodyBytes) {
            throw tooLarge(maxBodyBytes);
        }
        // A chunked body has no Content-Length: count what arrives, and never hold more than the limit + 1.
        byte[] body;
        try {
            body = ctx.req().getInputStream().readNBytes(maxBodyBytes + 1);
        } catch (IOException e) {
            throw badRequest("the body could not be read: " + e.getMessage());
        }
        if (body.length > maxBodyBytes) {
            throw tooLarge(maxBodyBytes);
        }
        JsonNode json;
        try {
            json = STRICT_JSON.readTree(body);
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw badRequest("the body is not valid JSON" + where + ": " + firstWords(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new UncheckedIOException("reading bytes already in memory", e); // does not happen
        }
        if (json.isMissingNode()) { // no bytes at all, or only spaces
            throw badRequest("the body is empty: send a movie like {\"title\": \"The Matrix\", \"year\": 1999}");
        }
        return json;
    }

    /**
     * The movie in a JSON body, or a 400 that says what is wrong with it. Types are checked, never
     * converted: Jackson's {@code asText()} and {@code asInt()} would turn {@code "1999"}, {@code 1999.5}
     * and {@code true} into values that look fine.
     */
    static PostedMovie validate(JsonNode json) {
        // TODO 4: return the movie, or throw badRequest("...") saying in words what is wrong:
        //   the body must be an object; "title" a string that is not blank and has at most 200
        //   characters; "year" a whole number from 1888 to 2100. Check each node's type yourself.
        // solution:begin TODO 4
        if (!json.isObject()) {
            throw badRequest("the body must be a JSON object like {\"title\": \"The Matrix\", \"year\": 1999}, not "
                    + kind(json));
        }
        JsonNode title = json.get("title");
        if (title == null || title.isNull()) {
            throw badRequest("title is missing");
        }
        if (!title.isTextual()) {
            throw badRequest("title must be a string, not " + kind(title));
        }
        String text = title.textValue();
        if (text.isBlank()) {
            throw badRequest("title must not be blank");
        }
        int length = text.codePointCount(0, text.length()); // characters, not UTF-16 units: an emoji is one
        if (length > MAX_TITLE_LENGTH) {
            throw badRequest("title must be at most " + MAX_TITLE_LENGTH + " characters long, not " + length);
        }
        if (text.codePoints().anyMatch(c -> Character.getType(c) == Character.SURROGATE)) {
            throw badRequest("title must be valid Unicode text, not half of a surrogate pair");
        }
        JsonNode year = json.get("year");
        if (year == null || year.isNull()) {
            throw badRequest("year is missing");
        }
        if (!year.isNumber()) {
            throw badRequest("year must be a number like 1999, not " + kind(year));
        }
        if (!year.isIntegralNumber()) {
            throw badRequest("year must be a whole number like 1999");
        }
        if (!year.canConvertToInt() || year.intValue() < FIRST_YEAR || year.intValue() > LAST_YEAR) {
            throw badRequest("year must be from " + FIRST_YEAR + " to " + LAST_YEAR);
        }
        return new PostedMovie(text, year.intValue());
        // solution:end
    }

    public static Rejected badRequest(String message) {
        return new Rejected(HttpStatus.BAD_REQUEST, message);
    }

    private static Rejected tooLarge(int maxBodyBytes) {
        return new Rejected(HttpStatus.CONTENT_TOO_LARGE, "the body is larger than " + maxBodyBytes + " bytes");
    }

    /** {@code application/json}, with any parameters; a charset, if given, must be UTF-8, as JSON is. */
    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String[] parts = contentType.split(";");
        if (!parts[0].strip().equalsIgnoreCase("application/json")) {
            return false;
        }
        for (int i = 1; i < parts.length; i++) {
            String[] parameter = parts[i].split("=", 2);
            if (parameter[0].strip().equalsIgnoreCase("charset")
                    && (parameter.length < 2 || !parameter[1].strip().replace("\"", "").equalsIgnoreCase("utf-8"))) {
                return false;
            }
        }
        return true;
    }

    /** "a string", "an array", ...: what a JSON value is, for a message. */
    private static String kind(JsonNode node) {
        if (node.isNull()) {
            return "null";
        }
        String type = node.getNodeType().name().toLowerCase(Locale.ROOT);
        return (type.startsWith("a") || type.startsWith("o") ? "an " : "a ") + type;
    }

    /** Jackson's message up to its details: "Unexpected end-of-input", "Duplicate field 'title'". */
    private static String firstWords(String message) {
        String words = String.valueOf(message);
        for (String end : new String[] {":", " (", "\n"}) {
            int at = words.indexOf(end);
            words = at > 0 ? words.substring(0, at) : words;
        }
        return shorten(words);
    }

    private static String shorten(String text) {
        return text.length() <= 100 ? text : text.substring(0, 100) + "...";
    }
}
