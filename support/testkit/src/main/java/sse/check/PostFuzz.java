package sse.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Seeded random {@code POST /movies}: bodies that are a good movie with a few bytes changed, added or
 * taken away (overlong UTF-8, encoded surrogates, quotes, braces, NUL ...), and {@code Content-Type}
 * values put together from the pieces a media type is made of. Every answer must be a {@code 201}
 * or a {@code 4xx} with {@code {"error": ...}}, never a {@code 5xx}; the same seed gives the same run.
 */
public final class PostFuzz {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MOVIE = "{\"title\":\"The Matrix\",\"year\":1999}";
    /** Bytes that break text, JSON or UTF-8 when they land in the wrong place. */
    private static final int[] SHARP_BYTES = {0x00, 0x0A, 0x0D, 0x22, 0x5C, 0x7B, 0x7D, 0x3A, 0x2C, 0x80, 0xBF, 0xC0,
            0xC1, 0xC3, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFE, 0xFF};
    /** Sequences a lenient decoder misreads: overlong forms, encoded surrogates, beyond U+10FFFF; and good ones. */
    private static final String[] SEQUENCES = {"C08A", "C0AF", "C080", "E0808A", "F080808A", "EDA080", "EDB080",
            "EDA0BDEDB8AC", "F4908080", "F888808080", "C3A9", "F09F8EAC", "EFBBBF", "E280A8", "5C7564383363", "5C6E"};
    private static final String[] TYPE_PIECES = {"application/json", "APPLICATION/JSON", "Application/Json", "text/plain",
            "application", "/", "json", ";", ";", " ", "\t", "charset=utf-8", "charset=UTF-8", "charset=\"utf-8\"",
            "charset=latin1", "charset", "charset=", "=", "\"", "\\", ",", "x=y", "x=\"a;b\"", "q=0.5", "*/*", "\u00e9", "\u00ff"};

    /** What a run sent and what came back; {@code acceptedBodies} are the bodies of {@code acceptedIds}, in the same order. */
    public record Outcome(int sent, List<Long> acceptedIds, List<byte[]> acceptedBodies, TreeMap<Integer, Integer> statuses,
                          long millis) {
        @Override
        public String toString() {
            return sent + " posts in " + millis + " ms, " + acceptedIds.size() + " accepted, statuses " + statuses;
        }
    }

    private PostFuzz() {
    }

    /** {@code bodies} random bodies (as application/json), then {@code contentTypes} random Content-Type values. */
    public static Outcome run(TestServer server, long seed, int bodies, int contentTypes) {
        Random random = new Random(seed);
        List<Long> accepted = new ArrayList<>();
        List<byte[]> acceptedBodies = new ArrayList<>();
        TreeMap<Integer, Integer> statuses = new TreeMap<>();
        long started = System.nanoTime();
        for (int i = 0; i < bodies; i++) {
            byte[] body = body(random);
            HttpResponse<String> answer = server.post("/movies", "application/json", HttpRequest.BodyPublishers.ofByteArray(body));
            check(answer.statusCode(), answer.headers().firstValue("Content-Type").orElse(""), answer.body(),
                    "body " + HexFormat.of().formatHex(body) + " (seed " + seed + ", post " + i + ")", accepted, statuses);
            if (answer.statusCode() == 201) {
                acceptedBodies.add(body);
            }
        }
        for (int i = 0; i < contentTypes; i++) {
            String type = contentType(random);
            RawHttp.Answer answer = RawHttp.send(server.uri("/"), "POST", "/movies", List.of("Content-Type: " + type),
                    MOVIE.getBytes(StandardCharsets.UTF_8));
            check(answer.status(), answer.header("Content-Type").orElse(""), answer.body(),
                    "Content-Type \"" + type + "\" (seed " + seed + ", header " + i + ")", accepted, statuses);
            if (answer.status() == 201) {
                acceptedBodies.add(MOVIE.getBytes(StandardCharsets.UTF_8));
            }
        }
        return new Outcome(bodies + contentTypes, accepted, acceptedBodies, statuses, (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * Posts one more movie, then reads {@code stream} up to it: its movie events must be exactly the
     * accepted ones, in order, one each, and then that movie.
     */
    public static void assertOneEventPerAcceptedPost(TestServer server, EventStream stream, List<Long> acceptedIds) {
        HttpResponse<String> last = server.post("/movies", "application/json", MOVIE);
        if (last.statusCode() != 201) {
            throw new AssertionError("after the fuzzing a good movie should still be accepted, got " + last.statusCode() + " " + last.body());
        }
        long lastId = read(last.body()).path("id").asLong();
        List<Long> expected = new ArrayList<>(acceptedIds);
        expected.add(lastId);
        List<Long> received = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (received.isEmpty() || received.get(received.size() - 1) != lastId) {
            if (received.size() > expected.size()) {
                break;
            }
            ServerSentEvent event = stream.next(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())),
                    "the stream should deliver one movie per accepted post; got " + received.size() + " of " + expected.size());
            if (event.type().equals("movie")) {
                received.add(Long.parseLong(event.lastEventId()));
            }
        }
        if (!received.equals(expected)) {
            throw new AssertionError("the stream should deliver exactly the accepted movies, once each, in order.\n  expected ids "
                    + expected + "\n  received ids " + received);
        }
    }

    private static void check(int status, String contentType, String body, String what, List<Long> accepted,
                              TreeMap<Integer, Integer> statuses) {
        statuses.merge(status, 1, Integer::sum);
        if (status == 201) {
            long id = read(body).path("id").asLong();
            if (!accepted.isEmpty() && id != accepted.get(accepted.size() - 1) + 1) {
                throw new AssertionError("ids should go up by one: " + id + " after " + accepted.get(accepted.size() - 1) + " for " + what);
            }
            accepted.add(id);
            return;
        }
        if (status < 400 || status >= 500) {
            throw new AssertionError("every post should get a 201 or a 4xx, got " + status + " " + body + " for " + what);
        }
        assertJsonError(status, contentType, body, what);
    }

    /**
     * Fails unless a refusal says why as JSON: {@code Content-Type: application/json} and
     * {@code {"error": "..."}} with words in it. {@code what} names the request, for the message.
     */
    public static void assertJsonError(int status, String contentType, String body, String what) {
        JsonNode error;
        try {
            error = JSON.readTree(body).path("error");
        } catch (IOException notJson) {
            error = null;
        }
        if (!contentType.startsWith("application/json") || error == null || !error.isTextual() || error.textValue().isBlank()) {
            throw new AssertionError("a " + status + " should be JSON {\"error\": \"...\"}, got " + contentType + " " + body + " for " + what);
        }
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    /** A good movie, mostly, with one to three bytes or sequences changed; sometimes only random bytes. */
    static byte[] body(Random random) {
        return body(random, PostFuzz::movie);
    }

    private static byte[] movie(Random random) {
        String title = random.nextInt(4) == 0 ? "Am\u00e9lie \ud83c\udfac" : "The Matrix";
        return ("{\"title\":\"" + title + "\",\"year\":" + (1980 + random.nextInt(40)) + "}").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A body for any endpoint: one in twenty is up to 63 random bytes; the rest are a good body, made by
     * {@code good}, with zero to three bytes or sequences changed, added or taken away (zero: some are good).
     */
    public static byte[] body(Random random, Function<Random, byte[]> good) {
        if (random.nextInt(20) == 0) {
            byte[] noise = new byte[random.nextInt(64)];
            random.nextBytes(noise);
            return noise;
        }
        byte[] body = good.apply(random);
        int changes = random.nextInt(4); // zero changes: some posts are good
        for (int c = 0; c < changes; c++) {
            int at = random.nextInt(body.length + 1);
            byte[] piece = switch (random.nextInt(5)) {
                case 0 -> new byte[] {(byte) SHARP_BYTES[random.nextInt(SHARP_BYTES.length)]};
                case 1 -> HexFormat.of().parseHex(SEQUENCES[random.nextInt(SEQUENCES.length)]);
                case 2 -> new byte[] {(byte) random.nextInt(256)};
                default -> new byte[0]; // only a byte taken away
            };
            int cut = piece.length == 0 || random.nextBoolean() ? Math.min(1, body.length - Math.min(at, body.length)) : 0;
            // Inside the title, most of the time: the bytes a title can carry are what matter most.
            ByteArrayOutputStream changed = new ByteArrayOutputStream();
            changed.write(body, 0, Math.min(at, body.length));
            changed.writeBytes(piece);
            int from = Math.min(at, body.length) + cut;
            changed.write(body, from, body.length - from);
            body = changed.toByteArray();
        }
        return body;
    }

    /** One to six pieces of a media type, glued together. */
    static String contentType(Random random) {
        return contentType(random, "application/json");
    }

    /**
     * One to six pieces of a media type glued together, after {@code good} half of the time: the pieces
     * of JSON's type and its parameters, and {@code morePieces} (an endpoint's own type, for example).
     */
    public static String contentType(Random random, String good, String... morePieces) {
        List<String> pieces = new ArrayList<>(List.of(TYPE_PIECES));
        pieces.addAll(List.of(morePieces));
        StringBuilder type = new StringBuilder();
        if (random.nextBoolean()) {
            type.append(good);
        }
        for (int n = random.nextInt(6); n >= 0; n--) {
            type.append(pieces.get(random.nextInt(pieces.size())));
        }
        return type.toString();
    }
}
