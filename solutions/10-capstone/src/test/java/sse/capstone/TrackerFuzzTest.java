package sse.capstone;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.capstone.People.Delivery;
import sse.capstone.People.Point;
import sse.capstone.People.User;
import sse.check.EventStream;
import sse.check.LastEventIdFuzz;
import sse.check.PostFuzz;
import sse.check.RawHttp;
import sse.check.ServerSentEvent;
import sse.scaleout.Broker;
import sse.scaleout.InMemoryBroker;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sse.capstone.Tracker.WITHIN;

/**
 * Robustness, not a TODO: the tracker fed seeded random input from outside, as a stranger's client would
 * send it: sign-in bodies and Content-Types, position bodies and Content-Types, forged cookies, random
 * {@code Last-Event-ID} values and delivery ids in paths, over raw sockets where the JDK's client refuses
 * the bytes. Never a 5xx; every 4xx says why in JSON; a refused sign-in starts no session; a refused
 * position publishes nothing; nobody's stream or delivery reaches anyone else. The same seed gives the same run.
 */
class TrackerFuzzTest {

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String SESSION = Sessions.COOKIE + "=";

    private Tracker tracker;

    @AfterEach
    void stop() {
        if (tracker != null) {
            tracker.close();
        }
    }

    // --- Sign-in ---

    @Test
    @DisplayName("800 random sign-in bodies and 300 random Content-Types: never a 5xx, a session only for a right name and password")
    void randomSignIns() {
        Tracker t = tracker = new Tracker(Tracker.options());
        Random random = new Random(100L);
        TreeMap<Integer, Integer> statuses = new TreeMap<>();
        Set<String> tokens = new HashSet<>();
        long started = System.nanoTime();
        for (int i = 0; i < 1100; i++) {
            User user = t.people.users().get(random.nextInt(t.people.users().size()));
            byte[] good = ("name=" + user.name() + "&password=" + People.DEMO_PASSWORD).getBytes(StandardCharsets.US_ASCII);
            boolean bodies = i < 800;
            byte[] body = bodies ? PostFuzz.body(random, r -> good) : good;
            String type = bodies ? FORM : PostFuzz.contentType(random, FORM, FORM, "multipart/form-data", "boundary=x", "text/plain");
            String what = (bodies ? "body " + HexFormat.of().formatHex(body) : "Content-Type \"" + type + "\"") + " (seed 100, sign-in " + i + ")";
            RawHttp.Answer answer = RawHttp.send(t.uri("/"), "POST", "/signin", List.of("Content-Type: " + type), body);
            statuses.merge(answer.status(), 1, Integer::sum);
            String cookie = answer.header("Set-Cookie").orElse("");
            if (answer.status() == 303) {
                assertTrue(cookie.startsWith(SESSION) && cookie.indexOf(';') > SESSION.length(), "a sign-in sets the session cookie: " + answer + " for " + what);
                String session = cookie.substring(0, cookie.indexOf(';'));
                assertTrue(tokens.add(session), "every sign-in gets a session of its own: " + what);
                JsonNode me = Tracker.tree(t.get("/me", session).body());
                Map<String, String> form = form(body);
                assertEquals(form.get("name"), me.path("user").asText(), "the session is the named user's: " + what);
                assertEquals(People.DEMO_PASSWORD, form.get("password"), "only the right password signs in: " + what);
                assertEquals("/" + me.path("role").asText() + ".html", answer.header("Location").orElse(""), "to the user's page: " + what);
            } else {
                assertRefused(answer, what);
                assertTrue(!cookie.startsWith(SESSION) || cookie.startsWith(SESSION + ";"), "a refused sign-in starts no session: " + cookie + " for " + what);
                assertTrue(!Arrays.equals(body, good) || !type.equals(FORM), "a good sign-in is accepted: " + answer + " for " + what);
            }
        }
        System.out.println("Sign-in fuzz: 1100 posts in " + (System.nanoTime() - started) / 1_000_000 + " ms, statuses " + statuses);
        assertTrue(statuses.getOrDefault(303, 0) > 50 && statuses.getOrDefault(401, 0) > 200, "both outcomes are reached: " + statuses);
    }

    // --- Positions ---

    /** A position the tracker took: its id, and where it put the delivery. */
    private record Taken(long id, Delivery delivery, double x, double y) {
    }

    @Test
    @DisplayName("1000 random positions and 300 random Content-Types with good, forged and missing cookies: never a 5xx, exactly the accepted positions reach each stream")
    void randomPositions() {
        Tracker t = tracker = new Tracker(Tracker.options());
        Delivery d1 = t.deliveryOf("customer1");
        Delivery d2 = t.deliveryOf("customer2");
        Delivery d4 = t.deliveryOf("customer4");
        Map<String, String> cookies = new HashMap<>();
        for (String name : List.of("courier1", "courier2", "customer1", "customer2", "dispatcher")) {
            cookies.put(name, t.signIn(name));
        }
        EventStream dispatcher = t.stream(cookies.get("dispatcher")).expectEventStream("the dispatcher's stream");
        EventStream customer1 = t.stream(cookies.get("customer1")).expectEventStream("customer1's stream");
        EventStream customer2 = t.stream(cookies.get("customer2")).expectEventStream("customer2's stream");
        for (EventStream stream : List.of(dispatcher, customer1, customer2)) {
            Tracker.deliveryIds(stream.next(WITHIN, "the snapshot"));
        }

        Random random = new Random(101L);
        List<Delivery> targets = List.of(d1, d4, d1, d4, d2);
        List<Taken> taken = new ArrayList<>();
        TreeMap<Integer, Integer> statuses = new TreeMap<>();
        long started = System.nanoTime();
        for (int i = 0; i < 1300; i++) {
            Delivery delivery = targets.get(random.nextInt(targets.size()));
            Point p = Tracker.along(delivery, 1 + random.nextInt(9));
            byte[] good = ("{\"delivery\":\"" + delivery.id() + "\",\"x\":" + Math.round(p.x() * 10) / 10.0 + ",\"y\":"
                    + Math.round(p.y() * 10) / 10.0 + "}").getBytes(StandardCharsets.UTF_8);
            boolean bodies = i < 1000;
            byte[] body = bodies ? PostFuzz.body(random, r -> good) : good;
            String type = bodies ? "application/json" : PostFuzz.contentType(random, "application/json");
            int who = random.nextInt(20);
            String as = who < 14 ? "courier1" : who < 16 ? "courier2" : who < 17 ? "customer1" : who < 18 ? "dispatcher" : null;
            String cookie = as != null ? cookies.get(as) : who == 18 ? forged(random, cookies.get("courier1")) : null;
            List<String> headers = new ArrayList<>(List.of("Content-Type: " + type));
            if (cookie != null) {
                headers.add("Cookie: " + cookie);
            }
            String what = (bodies ? "body " + HexFormat.of().formatHex(body) : "Content-Type \"" + type + "\"") + " as "
                    + (as != null ? as : cookie == null ? "nobody" : "forged cookie \"" + cookie + "\"") + " (seed 101, post " + i + ")";
            RawHttp.Answer answer = RawHttp.send(t.uri("/"), "POST", "/positions", headers, body);
            statuses.merge(answer.status(), 1, Integer::sum);
            if (answer.status() == 202) {
                JsonNode posted = strictJson(body).orElseThrow(() -> new AssertionError("a position taken from a body that is not JSON: " + what));
                Delivery moved = t.people.delivery(posted.path("delivery").asText()).orElseThrow(() -> new AssertionError("an unknown delivery taken: " + what));
                assertEquals(moved.courier(), as, "only the delivery's own courier moves it: " + what);
                for (String axis : List.of("x", "y")) {
                    JsonNode value = posted.path(axis);
                    assertTrue(value.isNumber() && value.doubleValue() >= 0 && value.doubleValue() <= People.SIZE,
                            axis + " is a number on the map: " + what);
                }
                taken.add(new Taken(Tracker.tree(answer.body()).get("id").asLong(), moved, posted.get("x").doubleValue(), posted.get("y").doubleValue()));
                continue;
            }
            assertRefused(answer, what);
            if (as == null) {
                assertEquals(401, answer.status(), "no session, no position: " + what);
            } else if (!as.startsWith("courier")) {
                assertEquals(403, answer.status(), "only couriers post positions: " + what);
            }
        }
        System.out.println("Position fuzz: 1300 posts in " + (System.nanoTime() - started) / 1_000_000 + " ms, " + taken.size()
                + " taken, statuses " + statuses);
        assertTrue(taken.size() > 50 && statuses.getOrDefault(400, 0) > 100, "both outcomes are reached: " + statuses);

        // One last good position each for d1 and d2: every stream is read up to it.
        for (Delivery last : List.of(d1, d2)) {
            Point p = Tracker.along(last, 5);
            long id = t.move(cookies.get(last.courier()), last, p.x(), p.y());
            taken.add(new Taken(id, last, p.x(), p.y()));
        }
        List<Expected> everything = expected(t, taken);
        assertReceives(dispatcher, everything, "the dispatcher's stream: every accepted position, nothing else, ids without a gap");
        List<Long> ids = everything.stream().map(Expected::id).toList();
        assertEquals(java.util.stream.LongStream.rangeClosed(1, ids.size()).boxed().toList(), ids, "the broker's ids have no gap");
        assertReceives(customer1, everything.stream().filter(e -> e.delivery().equals(d1)).toList(), "customer1's stream: d1's accepted positions only");
        assertReceives(customer2, everything.stream().filter(e -> e.delivery().equals(d2)).toList(), "customer2's stream: d2's accepted positions only");
    }

    @Test
    @DisplayName("a courier's next position, sent the moment the last one is answered, is compared with the status that one left")
    void nextPositionSeesTheLastOnesStatus() {
        // Found by randomPositions: the broker hands changes back on its own thread, and a slow hand-back
        // (a cold start, a network to Redis) let the next post see the status from before the last one.
        Tracker t = tracker = new Tracker(Tracker.options(), late(new InMemoryBroker(100), Duration.ofMillis(100)));
        Delivery d1 = t.deliveryOf("customer1");
        String courier = t.signIn(d1.courier());
        EventStream all = t.stream(t.signIn("dispatcher")).expectEventStream("the dispatcher's stream");
        all.next(WITHIN, "the snapshot");
        Point door = d1.route().get(d1.route().size() - 1);
        List<Taken> taken = new ArrayList<>();
        for (Point p : List.of(Tracker.along(d1, 1), Tracker.along(d1, 2), door)) {
            taken.add(new Taken(t.move(courier, d1, p.x(), p.y()), d1, p.x(), p.y()));
        }
        assertEquals(409, t.position(courier, d1, door.x(), door.y()).statusCode(),
                "a delivery delivered a moment ago takes no more positions, even before the broker has handed its status back");
        assertReceives(all, expected(t, taken), "one status event per change of status, and no position after delivered");
    }

    /**
     * {@code broker}, but every change reaches the app {@code delay} late, as over a slow network (a
     * proxy: only {@code subscribe} changes, every other call goes straight through).
     */
    @SuppressWarnings("unchecked")
    private static Broker late(Broker broker, Duration delay) {
        return (Broker) Proxy.newProxyInstance(Broker.class.getClassLoader(), new Class<?>[] {Broker.class}, (proxy, method, args) -> {
            if (method.getName().equals("subscribe")) {
                Consumer<Broker.Stored> listener = (Consumer<Broker.Stored>) args[1];
                args[1] = (Consumer<Broker.Stored>) stored -> {
                    try {
                        Thread.sleep(delay.toMillis()); // the point of this broker: it is late
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    listener.accept(stored);
                };
            }
            try {
                return method.invoke(broker, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    /** An event the streams should carry: a position, or the status change it caused. */
    private record Expected(long id, String type, Delivery delivery, double x, double y, String status) {
    }

    /** What the tracker does with the positions it took, worked out again here: a position each, and a status when it changes. */
    private static List<Expected> expected(Tracker t, List<Taken> taken) {
        Map<Delivery, String> status = new HashMap<>();
        List<Expected> events = new ArrayList<>();
        for (Taken p : taken) {
            Point door = p.delivery().route().get(p.delivery().route().size() - 1);
            String now = Math.hypot(door.x() - p.x(), door.y() - p.y()) <= TrackerApp.ARRIVED_WITHIN ? "delivered" : "on the way";
            events.add(new Expected(p.id(), "position", p.delivery(), p.x(), p.y(), now));
            if (!now.equals(status.getOrDefault(p.delivery(), "waiting"))) {
                events.add(new Expected(p.id() + 1, "status", p.delivery(), p.x(), p.y(), now));
            }
            status.put(p.delivery(), now);
        }
        return events;
    }

    private static void assertReceives(EventStream stream, List<Expected> expected, String what) {
        List<ServerSentEvent> received = stream.next(expected.size(), Duration.ofSeconds(10), what);
        for (int i = 0; i < expected.size(); i++) {
            Expected e = expected.get(i);
            ServerSentEvent event = received.get(i);
            JsonNode data = Tracker.data(event);
            String wanted = e.type() + " " + e.id() + " " + e.delivery().id() + " " + e.x() + "," + e.y() + " " + e.status();
            String got = event.type() + " " + event.lastEventId() + " " + data.path("delivery").asText() + " "
                    + data.path("x").asDouble() + "," + data.path("y").asDouble() + " " + data.path("status").asText();
            assertEquals(wanted, got, what + " (event " + i + " of " + expected.size() + ")");
        }
    }

    // --- Cookies, Last-Event-ID and delivery ids in paths ---

    @Test
    @DisplayName("300 streams with random cookies and Last-Event-IDs, 500 random delivery ids: never a 5xx, only one's own events and deliveries")
    void randomCookiesLastEventIdsAndPaths() {
        int kept = 40;
        Tracker t = tracker = new Tracker(Tracker.options().withHistorySize(kept).withHeartbeatEvery(Duration.ofMillis(10)));
        Map<String, String> cookies = new HashMap<>();
        for (String name : List.of("courier1", "courier2", "courier3", "customer1", "customer2", "dispatcher")) {
            cookies.put(name, t.signIn(name));
        }
        // 60 positions and the first status of each delivery: ids 1 to 66, the newest 40 kept.
        EventStream all = t.stream(cookies.get("dispatcher")).expectEventStream("the dispatcher's stream");
        all.next(WITHIN, "the snapshot");
        for (int n = 1; n <= 10; n++) {
            for (Delivery delivery : t.people.deliveries()) {
                Point p = Tracker.along(delivery, n % 9 + 1);
                t.move(cookies.get(delivery.courier()), delivery, p.x(), p.y());
            }
        }
        List<ServerSentEvent> history = all.next(66, WITHIN, "the 66 events");
        long newest = 66;

        Random random = new Random(102L);
        long started = System.nanoTime();
        TreeMap<String, Integer> outcomes = LastEventIdFuzz.inBatches(300, n -> StreamCase.random(random, t, cookies, newest, n),
                c -> c.check(t, history, newest, kept));
        long streamsMillis = (System.nanoTime() - started) / 1_000_000;
        TreeMap<Integer, Integer> paths = randomDeliveryPaths(t, cookies, new Random(103L), 500);
        System.out.println("Stream fuzz: 300 streams in " + streamsMillis + " ms, " + outcomes + "; path fuzz: 500 GETs in "
                + ((System.nanoTime() - started) / 1_000_000 - streamsMillis) + " ms, statuses " + paths);
        assertTrue(outcomes.getOrDefault("401", 0) > 20 && outcomes.getOrDefault("replay", 0) > 20
                && outcomes.getOrDefault("snapshot", 0) > 20, "every branch is reached: " + outcomes);
        assertTrue(paths.getOrDefault(200, 0) > 20 && paths.getOrDefault(404, 0) > 100, "both outcomes are reached: " + paths);
    }

    /** One stream opened with a random cookie and Last-Event-ID: opened at once, checked after its first heartbeat. */
    private record StreamCase(String what, String user, String lastEventId, EventStream stream) {

        static StreamCase random(Random random, Tracker t, Map<String, String> cookies, long newest, int n) {
            List<String> names = List.of("courier1", "customer1", "customer2", "dispatcher");
            String name = names.get(random.nextInt(names.size()));
            String valid = cookies.get(name);
            String cookie;
            String user = null; // whose stream this must be, if any
            switch (random.nextInt(6)) {
                case 0, 1 -> {
                    cookie = valid;
                    user = name;
                }
                case 2 -> cookie = forged(random, valid);
                case 3 -> cookie = "theme=dark; " + valid + "; lang=\u00e9";
                case 4 -> cookie = "a=b; " + SESSION + noise(random, random.nextInt(50));
                default -> cookie = null;
            }
            if (cookie != null && cookie.startsWith("theme=")) {
                user = name;
            }
            String lastEventId = random.nextInt(5) == 0 ? null : LastEventIdFuzz.value(random, newest, true);
            Map<String, String> headers = new HashMap<>();
            if (cookie != null) {
                headers.put("Cookie", cookie);
            }
            if (lastEventId != null) {
                headers.put("Last-Event-ID", lastEventId);
            }
            // A GET has no body, but a client may still send a Content-Type: the server has no reason to read it.
            String type = random.nextInt(3) == 0 ? PostFuzz.contentType(random, "text/event-stream", "; charset") : null;
            if (type != null) {
                headers.put("Content-Type", type);
            }
            String what = "stream " + n + " (seed 102): Cookie " + (cookie == null ? "(none)" : "\"" + cookie + "\"")
                    + ", Last-Event-ID " + (lastEventId == null ? "(none)" : "\"" + lastEventId + "\"")
                    + (type == null ? "" : ", Content-Type \"" + type + "\"");
            return new StreamCase(what, user, lastEventId, EventStream.openRaw(t.uri("/"), "/events", headers));
        }

        String check(Tracker t, List<ServerSentEvent> history, long newest, int kept) {
            try (stream) {
                if (user == null) {
                    stream.awaitEnd(WITHIN, "a refusal ends: " + what);
                    assertEquals(401, stream.status(), "no valid session, no stream: " + what + "\n" + stream.describe());
                    PostFuzz.assertJsonError(401, stream.header("Content-Type").orElse(""), stream.raw(), what);
                    return "401";
                }
                stream.expectEventStream(what);
                stream.awaitRaw(raw -> !stream.comments().isEmpty(), WITHIN, "a heartbeat after the first frames: " + what);
                List<ServerSentEvent> first = stream.arrivals().stream().map(EventStream.Arrival::event).toList();
                User viewer = t.people.users().stream().filter(u -> u.name().equals(user)).findFirst().orElseThrow();
                String sent = lastEventId == null ? "" : LastEventIdFuzz.asReceived(lastEventId);
                OptionalLong seen = LastEventIdFuzz.id(sent);
                if (seen.isEmpty() || seen.getAsLong() > newest || seen.getAsLong() < newest - kept) {
                    assertEquals(1, first.size(), "one snapshot and nothing else: " + what + " " + first);
                    List<String> ids = Tracker.deliveryIds(first.get(0));
                    List<String> own = t.people.deliveries().stream().filter(d -> TrackerApp.sees(viewer, d)).map(Delivery::id).toList();
                    assertEquals(own, ids, "the snapshot lists the user's own deliveries: " + what);
                    assertEquals(String.valueOf(newest), first.get(0).lastEventId(), "the snapshot's id is the newest: " + what);
                    return "snapshot";
                }
                List<ServerSentEvent> missed = new ArrayList<>();
                for (ServerSentEvent event : history) {
                    Delivery about = t.people.delivery(Tracker.data(event).get("delivery").asText()).orElseThrow();
                    if (Long.parseLong(event.lastEventId()) > seen.getAsLong() && TrackerApp.sees(viewer, about)) {
                        missed.add(event);
                    }
                }
                assertEquals(missed, first, "exactly the user's own events after " + seen.getAsLong() + ": " + what);
                return "replay";
            }
        }
    }

    /** GET /deliveries/{id} with random ids: a delivery's JSON only for one's own, the same 404 for another's as for none. */
    private static TreeMap<Integer, Integer> randomDeliveryPaths(Tracker t, Map<String, String> cookies, Random random, int count) {
        TreeMap<Integer, Integer> statuses = new TreeMap<>();
        List<String> names = List.of("customer1", "customer2", "courier1", "dispatcher");
        String unknown = RawHttp.send(t.uri("/"), "GET", "/deliveries/d-0", List.of("Cookie: " + cookies.get("customer1")), null).body();
        for (int i = 0; i < count; i++) {
            String name = names.get(random.nextInt(names.size()));
            User viewer = t.people.users().stream().filter(u -> u.name().equals(name)).findFirst().orElseThrow();
            Delivery target = t.people.deliveries().get(random.nextInt(t.people.deliveries().size()));
            byte[] id = random.nextInt(4) == 0 ? target.id().getBytes(StandardCharsets.US_ASCII)
                    : PostFuzz.body(random, r -> target.id().getBytes(StandardCharsets.US_ASCII));
            String path = "/deliveries/" + inPath(random, id);
            String what = "GET " + path + " as " + name + " (seed 103, request " + i + ")";
            RawHttp.Answer answer = RawHttp.send(t.uri("/"), "GET", path, List.of("Cookie: " + cookies.get(name)), null);
            statuses.merge(answer.status(), 1, Integer::sum);
            if (id.length == 0 && answer.status() == 200) {
                assertEquals(Tracker.tree(t.get("/deliveries", cookies.get(name)).body()), Tracker.tree(answer.body()),
                        "no id at all: the user's list, as GET /deliveries: " + what);
                continue;
            }
            boolean exact = new String(id, StandardCharsets.ISO_8859_1).equals(target.id());
            if (answer.status() == 200) {
                JsonNode view = Tracker.tree(answer.body());
                Delivery shown = t.people.delivery(view.path("id").asText()).orElseThrow(() -> new AssertionError("200 without a delivery: " + answer + " for " + what));
                assertTrue(TrackerApp.sees(viewer, shown), "a delivery only for those who see it: " + answer + " for " + what);
                continue;
            }
            assertRefused(answer, what);
            if (exact) {
                assertTrue(!TrackerApp.sees(viewer, target), "one's own delivery is found: " + answer + " for " + what);
                assertEquals(404, answer.status(), "another's delivery is not found: " + what);
                assertEquals(unknown, answer.body(), "another's delivery gets the answer of an unknown one: " + what);
            }
        }
        return statuses;
    }

    /** Bytes as a request target's segment: mostly as they are, some %-escaped; a CR or LF always escaped (it would end the line). */
    private static String inPath(Random random, byte[] id) {
        StringBuilder path = new StringBuilder();
        for (byte b : id) {
            int c = b & 0xFF;
            boolean plain = c > 0x20 && c != 0x7F && c != '%' && c != '?' && c != '#' && c != '/';
            if ((plain || random.nextInt(10) == 0) && c != '\r' && c != '\n' && random.nextInt(8) != 0) {
                path.append((char) c);
            } else {
                path.append('%').append(String.format("%02X", c));
            }
        }
        return path.toString();
    }

    // --- Helpers ---

    private static void assertRefused(RawHttp.Answer answer, String what) {
        assertTrue(answer.status() >= 400 && answer.status() < 500, "a 2xx or a 4xx, never a " + answer.status() + ": " + answer + " for " + what);
        PostFuzz.assertJsonError(answer.status(), answer.header("Content-Type").orElse(""), answer.body(), what);
    }

    /**
     * A session cookie with its token changed a little (a byte or three), or only noise; bytes HTTP allows in
     * a header only. Never one that still reads as the token (the same, or with a ";", a space or quotes
     * around it, which a cookie parser may drop).
     */
    private static String forged(Random random, String valid) {
        String token = valid.substring(SESSION.length());
        StringBuilder text = new StringBuilder();
        for (byte b : PostFuzz.body(random, r -> token.getBytes(StandardCharsets.US_ASCII))) {
            int c = b & 0xFF;
            text.append((char) (c < 0x20 && c != '\t' || c == 0x7F ? c | 0x80 : c)); // no CR, LF or other control
        }
        boolean readsAsToken = text.toString().split("[;,]", -1)[0].replace("\"", "").strip().equals(token);
        return SESSION + (readsAsToken ? token + "x" : text);
    }

    /** Up to {@code length} characters HTTP allows in a header value. */
    private static String noise(Random random, int length) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int c = 0x20 + random.nextInt(0x100 - 0x20);
            text.append((char) (c == 0x7F ? '~' : c));
        }
        return text.toString();
    }

    /** The body as the server reads JSON: strict UTF-8, one leading BOM dropped; empty if it is not JSON. */
    private static Optional<JsonNode> strictJson(byte[] body) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
            return Optional.of(Tracker.JSON.readTree(text));
        } catch (java.io.IOException notJson) { // not UTF-8 (a CharacterCodingException), or not JSON
            return Optional.empty();
        }
    }

    /** A form body's fields, the first value of each, as URL decoding reads them (pairs that do not decode are skipped). */
    private static Map<String, String> form(byte[] body) {
        Map<String, String> fields = new HashMap<>();
        for (String pair : new String(body, StandardCharsets.UTF_8).split("&")) {
            int eq = pair.indexOf('=');
            try {
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                fields.putIfAbsent(name, value);
            } catch (IllegalArgumentException malformed) {
                // skipped, as a lenient decoder might
            }
        }
        return fields;
    }
}
