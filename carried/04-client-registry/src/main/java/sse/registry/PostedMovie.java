// Lesson 04-client-registry's finished code, generated from solutions/04-client-registry/src/main/java/sse/registry/PostedMovie.java: edit that file, then run ./mvnw -q -pl tools compile exec:java -Dexec.args="starters --write".
package sse.registry;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import sse.support.MediaType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * A movie as a client posts it, {@code {"title": "The Matrix", "year": 1999}}, read and checked
 * before anything is sent to anyone. The body comes from a stranger: its {@code Content-Type} is
 * parsed by the grammar, it is read within a size limit, decoded as strict UTF-8, parsed as a JSON
 * tree, and every field is checked by hand, so nothing is coerced or guessed.
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

    /**
     * The body as a JSON tree: only {@code application/json}, only up to {@code maxBodyBytes}, only
     * UTF-8, only well-formed.
     */
    static JsonNode readJson(Context ctx, int maxBodyBytes) {
        requireJson(Collections.list(ctx.req().getHeaders("Content-Type")));
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
            // From text, not bytes: given bytes, Jackson would also take UTF-16 and UTF-32.
            json = STRICT_JSON.readTree(utf8(body));
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw badRequest("the body is not valid JSON" + where + ": " + firstWords(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new UncheckedIOException("reading text already in memory", e); // does not happen
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
        // Lesson 04, TODO 4 (done): return the movie, or throw badRequest("...") saying in words what is wrong:
        //   the body must be an object; "title" a string that is not blank and has at most 200
        //   characters; "year" a whole number from 1888 to 2100. Check each node's type yourself.
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
    }

    public static Rejected badRequest(String message) {
        return new Rejected(HttpStatus.BAD_REQUEST, message);
    }

    private static Rejected tooLarge(int maxBodyBytes) {
        return new Rejected(HttpStatus.CONTENT_TOO_LARGE, "the body is larger than " + maxBodyBytes + " bytes");
    }

    /**
     * Passes one {@code Content-Type: application/json}, with any parameters, of which a charset, if
     * given, is UTF-8, as JSON is; anything else, down to a header of only {@code ;}, is a 415 that says why.
     */
    static void requireJson(List<String> contentTypes) {
        if (contentTypes.size() != 1) {
            throw unsupported(contentTypes.isEmpty() ? "no Content-Type" : contentTypes.size() + " Content-Type headers");
        }
        String contentType = contentTypes.get(0);
        MediaType type;
        try {
            type = MediaType.parse(contentType);
        } catch (MediaType.Invalid e) {
            throw unsupported("\"" + shorten(contentType) + "\", which is not a media type: " + e.getMessage());
        }
        List<String> charsets = type.values("charset");
        if (!type.is("application", "json") || charsets.size() > 1
                || (charsets.size() == 1 && !charsets.get(0).equalsIgnoreCase("utf-8"))) {
            throw unsupported(shorten(contentType) + (charsets.size() > 1 ? " (charset given twice)" : ""));
        }
    }

    private static Rejected unsupported(String what) {
        return new Rejected(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "send JSON in UTF-8 with Content-Type: application/json, not " + what);
    }

    /**
     * The body as text, or a 400 at the first bytes that are not UTF-8. The JDK's decoder refuses what
     * a lenient one lets through: overlong forms ({@code C0 8A} for a line feed), encoded surrogates
     * (CESU-8), cut-off sequences and bytes no UTF-8 text has. One leading byte order mark is ignored.
     */
    static String utf8(byte[] body) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body);
        CharBuffer text = CharBuffer.allocate(body.length); // never more characters than bytes
        CoderResult result = decoder.decode(in, text, true);
        if (!result.isError()) {
            result = decoder.flush(text);
        }
        if (result.isError()) {
            int at = in.position();
            throw badRequest("the body is not valid UTF-8: byte " + (at + 1) + " starts a malformed sequence ("
                    + HexFormat.ofDelimiter(" ").withUpperCase().formatHex(body, at, Math.min(body.length, at + 4))
                    + "); overlong forms and encoded surrogates are not UTF-8");
        }
        String decoded = text.flip().toString();
        return decoded.startsWith("\uFEFF") ? decoded.substring(1) : decoded;
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
