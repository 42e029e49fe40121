package sse.capstone;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.capstone.People.Delivery;
import sse.capstone.People.Point;
import sse.check.ChecksTodo;
import sse.check.EventStream;
import sse.check.ServerSentEvent;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sse.capstone.Tracker.WITHIN;
import static sse.capstone.Tracker.along;
import static sse.capstone.Tracker.data;
import static sse.capstone.Tracker.deliveryIds;

/** Lesson 10: who sees what, replay, sign-out and expiry, the rate limit. Every stream read is bounded. */
class TrackerTest {

    static final String TODO_1 = "Look at TODO 1 in TrackerApp.java (docs/10-capstone.md#todo-1-who-sees-which-delivery).";
    static final String TODO_2 = "Look at TODO 2 in TrackerApp.java (docs/10-capstone.md#todo-2-replay-only-the-users-own-events).";
    static final String TODO_3 = "Look at TODO 3 in TrackerApp.java (docs/10-capstone.md#todo-3-end-the-streams-of-a-session-that-ended).";
    static final String TODO_4 = "Look at TODO 4 in RateLimit.java (docs/10-capstone.md#todo-4-a-rate-limit-per-courier).";
    static final String GIVEN = "This part is already written, in TrackerApp.java: was it changed?";

    private Tracker tracker;

    private Tracker start(TrackerApp.Options options) {
        tracker = new Tracker(options);
        return tracker;
    }

    @AfterEach
    void stop() {
        if (tracker != null) {
            tracker.close();
        }
    }

    private static void assertAbout(Delivery delivery, List<ServerSentEvent> events, String todo) {
        for (ServerSentEvent event : events) {
            assertEquals(delivery.id(), data(event).get("delivery").asText(),
                    "this stream may carry only " + delivery.customer() + "'s delivery, got " + event + ". " + todo);
        }
    }

    private static List<Long> ids(List<ServerSentEvent> events) {
        return events.stream().map(event -> Long.parseLong(event.lastEventId())).toList();
    }

    @Test
    @ChecksTodo(1)
    @DisplayName("each customer's stream carries their own delivery and no one else's; the dispatcher's carries every one")
    void eachSeesTheirOwn() {
        Tracker t = start(Tracker.options());
        Delivery d1 = t.deliveryOf("customer1");
        Delivery d2 = t.deliveryOf("customer2");
        EventStream one = t.stream(t.signIn("customer1"));
        EventStream two = t.stream(t.signIn("customer2"));
        EventStream all = t.stream(t.signIn("dispatcher"));
        assertEquals(List.of(d1.id()), deliveryIds(one.next(WITHIN, "the snapshot")),
                "customer1's first event lists customer1's delivery only. " + TODO_1);
        assertEquals(List.of(d2.id()), deliveryIds(two.next(WITHIN, "the snapshot")),
                "customer2's first event lists customer2's delivery only. " + TODO_1);
        assertEquals(t.people.deliveries().size(), deliveryIds(all.next(WITHIN, "the snapshot")).size(),
                "the dispatcher sees every delivery. " + TODO_1);

        String courier1 = t.signIn(d1.courier());
        String courier2 = t.signIn(d2.courier());
        Point p = along(d1, 1);
        t.move(courier1, d1, p.x(), p.y()); // ids 1 (position) and 2 (status: on the way)
        Point q = along(d2, 1);
        t.move(courier2, d2, q.x(), q.y()); // 3 and 4
        p = along(d1, 2);
        t.move(courier1, d1, p.x(), p.y()); // 5

        List<ServerSentEvent> ones = one.next(3, WITHIN, "customer1's three events. " + TODO_1);
        assertAbout(d1, ones, TODO_1);
        assertEquals(List.of(1L, 2L, 5L), ids(ones), "customer1 gets 1, 2 and 5, and never 3 or 4 (customer2's). " + TODO_1);
        assertEquals(List.of("position", "status", "position"), ones.stream().map(ServerSentEvent::type).toList());
        List<ServerSentEvent> twos = two.next(2, WITHIN, "customer2's two events. " + TODO_1);
        assertAbout(d2, twos, TODO_1);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), ids(all.next(5, WITHIN, "the dispatcher gets all five. " + TODO_1)));
    }

    @Test
    @ChecksTodo(1)
    @DisplayName("another customer's delivery is a 404 by its id, and an id in the stream's URL changes nothing")
    void idsInUrlsGiveNothingAway() {
        Tracker t = start(Tracker.options());
        Delivery d1 = t.deliveryOf("customer1");
        Delivery d2 = t.deliveryOf("customer2");
        String c1 = t.signIn("customer1");
        assertEquals(200, t.get("/deliveries/" + d1.id(), c1).statusCode(), "one's own delivery. " + TODO_1);
        HttpResponse<String> theirs = t.get("/deliveries/" + d2.id(), c1);
        assertEquals(404, theirs.statusCode(), "another customer's delivery is not found, as an unknown id is. " + TODO_1);
        assertEquals(t.get("/deliveries/d-0000", c1).body(), theirs.body(), "the same answer as for an id that does not exist");
        HttpResponse<String> list = t.get("/deliveries", c1);
        assertEquals(1, Tracker.tree(list.body()).size(), "GET /deliveries lists one's own only: " + list.body() + ". " + TODO_1);

        EventStream forged = EventStream.open(t.uri("/events?delivery=" + d2.id() + "&user=customer2"),
                Map.of("Cookie", c1));
        try {
            assertEquals(List.of(d1.id()), deliveryIds(forged.next(WITHIN, "the snapshot")),
                    "the stream ignores its query: who you are comes from the session. " + TODO_1);
        } finally {
            forged.close();
        }
    }

    @Test
    @ChecksTodo(value = 2, needs = 1)
    @DisplayName("a customer who comes back with Last-Event-ID is replayed exactly the positions they missed, theirs only")
    void replayAfterDrop() {
        Tracker t = start(Tracker.options());
        Delivery d1 = t.deliveryOf("customer1");
        Delivery d2 = t.deliveryOf("customer2");
        String c1 = t.signIn("customer1");
        String courier1 = t.signIn(d1.courier());
        String courier2 = t.signIn(d2.courier());
        EventStream first = t.stream(c1);
        first.next(WITHIN, "the snapshot");
        Point p = along(d1, 1);
        t.move(courier1, d1, p.x(), p.y()); // 1, 2
        assertEquals(List.of(1L, 2L), ids(first.next(2, WITHIN, "the first position and status")));
        first.close(); // the connection drops

        Point q = along(d2, 1);
        t.move(courier2, d2, q.x(), q.y()); // 3, 4: customer2's
        p = along(d1, 2);
        t.move(courier1, d1, p.x(), p.y()); // 5
        p = along(d1, 3);
        t.move(courier1, d1, p.x(), p.y()); // 6

        EventStream back = t.stream(c1, Map.of("Last-Event-ID", "2"));
        List<ServerSentEvent> missed = back.next(2, WITHIN, "the two positions missed. " + TODO_2);
        assertEquals(List.of("position", "position"), missed.stream().map(ServerSentEvent::type).toList(),
                "after Last-Event-ID 2, the positions missed and no snapshot: got " + missed + ". " + TODO_2);
        assertEquals(List.of(5L, 6L), ids(missed), "5 and 6, not customer2's 3 and 4. " + TODO_2);
        assertAbout(d1, missed, TODO_2);
        assertEquals(p.x(), data(missed.get(1)).get("x").asDouble(), 1e-9, "the newest position, as posted");
    }

    @Test
    @ChecksTodo(value = 2, needs = 1)
    @DisplayName("a forged Last-Event-ID (0, another's id, one never given out, not a number) never replays another's events")
    void forgedLastEventId() {
        Tracker t = start(Tracker.options());
        Delivery d1 = t.deliveryOf("customer1");
        Delivery d2 = t.deliveryOf("customer2");
        String courier1 = t.signIn(d1.courier());
        for (int i = 1; i <= 3; i++) {
            Point p = along(d1, i);
            t.move(courier1, d1, p.x(), p.y()); // customer1's: 1 to 4
        }
        String c2 = t.signIn("customer2");
        String courier2 = t.signIn(d2.courier());
        for (String forged : List.of("0", "1", "3", "99999", "abc", "-1")) {
            EventStream stream = t.stream(c2, Map.of("Last-Event-ID", forged));
            // The headers come before the server has joined the stream; its retry: line after: wait for it,
            // so that the position below is sent live, whatever the forged id brings.
            stream.awaitRaw(raw -> raw.startsWith("retry: "), WITHIN, "A stream starts with its retry: line. " + TODO_1);
            Point q = along(d2, 1);
            long id = t.move(courier2, d2, q.x(), q.y());
            for (ServerSentEvent event = stream.next(WITHIN, "customer2's own position. " + TODO_2);
                 !String.valueOf(id).equals(event.lastEventId());
                 event = stream.next(WITHIN, "customer2's own position. " + TODO_2)) {
                if (event.type().equals("deliveries")) {
                    assertEquals(List.of(d2.id()), deliveryIds(event), "a snapshot of customer2's own. " + TODO_2);
                } else {
                    assertAbout(d2, List.of(event), "Last-Event-ID " + forged + " replayed another's event. " + TODO_2);
                }
            }
            stream.close();
        }
    }

    @Test
    @ChecksTodo(3)
    @DisplayName("sign-out ends the open stream, and the stream then answers 401: the browser stops")
    void signOutEndsTheStream() {
        Tracker t = start(Tracker.options());
        String c1 = t.signIn("customer1");
        String other = t.signIn("customer1"); // the same customer on another device
        EventStream stream = t.stream(c1);
        EventStream elsewhere = t.stream(other);
        stream.next(WITHIN, "the snapshot");
        elsewhere.next(WITHIN, "the snapshot");
        HttpResponse<String> out = t.signOut(c1);
        assertEquals(303, out.statusCode(), GIVEN);
        assertTrue(out.headers().firstValue("Set-Cookie").orElse("").contains("Max-Age=0"), "sign-out clears the cookie");
        stream.awaitEnd(WITHIN, "After sign-out, the session's open stream ends. " + TODO_3);
        assertEquals(401, t.stream(c1).status(), "the browser comes back and is refused: its EventSource stops. " + GIVEN);
        assertFalse(elsewhere.ended(), "another session of the same customer is not signed out");
    }

    @Test
    @ChecksTodo(3)
    @DisplayName("a session that runs out ends its open stream")
    void expiryEndsTheStream() {
        Tracker t = start(Tracker.options().withSessionLifetime(Duration.ofMillis(800)));
        String c1 = t.signIn("customer1");
        EventStream stream = t.stream(c1);
        stream.next(WITHIN, "the snapshot");
        stream.awaitEnd(WITHIN, "The session lasts 800 ms: its stream ends at the next heartbeat after. " + TODO_3);
        assertEquals(401, t.stream(c1).status(), "the session has ended: 401. " + GIVEN);
    }

    @Test
    @ChecksTodo(4)
    @DisplayName("a courier who posts too fast gets 429 with Retry-After and a JSON message; other couriers go on")
    void rateLimitPerCourier() {
        Tracker t = start(Tracker.options().withRateLimit(1, 3));
        Delivery d1 = t.deliveryOf("customer1");
        Delivery d2 = t.deliveryOf("customer2");
        String courier1 = t.signIn(d1.courier());
        String courier2 = t.signIn(d2.courier());
        HttpResponse<String> refused = null;
        for (int i = 1; i <= 6 && refused == null; i++) {
            Point p = along(d1, i);
            HttpResponse<String> answer = t.position(courier1, d1, p.x(), p.y());
            if (answer.statusCode() == 429) {
                refused = answer;
            } else {
                assertEquals(202, answer.statusCode(), answer.body());
            }
        }
        assertTrue(refused != null, "3 at once and 1 a second: six posts in a row cannot all be taken. " + TODO_4);
        long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElse("0"));
        assertTrue(retryAfter >= 1, "a 429 says when to come back, in whole seconds: Retry-After " + retryAfter + ". " + TODO_4);
        assertTrue(Tracker.tree(refused.body()).get("error").asText().contains("too many"), refused.body());
        Point q = along(d2, 1);
        assertEquals(202, t.position(courier2, d2, q.x(), q.y()).statusCode(), "courier2 has a bucket of their own. " + TODO_4);
    }

    @Test
    @DisplayName("a stream without a valid session is a 401 with a JSON message")
    void streamNeedsASession() {
        Tracker t = start(Tracker.options());
        for (String cookie : new String[] {null, Sessions.COOKIE + "=made-up", Sessions.COOKIE + "="}) {
            HttpRequest.Builder request = HttpRequest.newBuilder(t.uri("/events")).header("Accept", "text/event-stream").GET();
            if (cookie != null) {
                request.header("Cookie", cookie);
            }
            HttpResponse<String> answer = Tracker.send(request);
            assertEquals(401, answer.statusCode(), "cookie " + cookie + ": " + answer.body());
            assertTrue(answer.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
            assertTrue(Tracker.tree(answer.body()).get("error").asText().contains("sign in"), answer.body());
        }
    }

    @Test
    @DisplayName("the session cookie is HttpOnly and SameSite=Strict; a wrong password is a 401 and no cookie")
    void sessionCookie() {
        Tracker t = start(Tracker.options());
        HttpResponse<String> good = Tracker.send(HttpRequest.newBuilder(t.uri("/signin"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("name=customer1&password=demo")));
        String cookie = good.headers().firstValue("Set-Cookie").orElse("");
        assertTrue(cookie.contains("; HttpOnly") && cookie.contains("; SameSite=Strict"), cookie);
        assertEquals("/customer.html", good.headers().firstValue("Location").orElse(""));
        HttpResponse<String> bad = Tracker.send(HttpRequest.newBuilder(t.uri("/signin"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("name=customer1&password=guess")));
        assertEquals(401, bad.statusCode());
        assertTrue(bad.headers().firstValue("Set-Cookie").isEmpty(), "no session for a wrong password");
    }

    @Test
    @DisplayName("posts from another origin are refused, sign-out included, and change nothing")
    void crossOriginRefused() {
        Tracker t = start(Tracker.options());
        Delivery d1 = t.deliveryOf("customer1");
        String courier = t.signIn(d1.courier());
        String c1 = t.signIn("customer1");
        EventStream stream = t.stream(c1);
        stream.next(WITHIN, "the snapshot");
        Map<String, String> evil = Map.of("Origin", "http://evil.example");
        Point p = along(d1, 1);
        HttpResponse<String> post = t.post("/positions", courier,
                "{\"delivery\": \"" + d1.id() + "\", \"x\": " + p.x() + ", \"y\": " + p.y() + "}", evil);
        assertEquals(403, post.statusCode(), post.body());
        assertEquals(403, t.post("/signout", c1, "", evil).statusCode());
        assertEquals(403, t.post("/signin", null, "", Map.of("Sec-Fetch-Site", "cross-site")).statusCode());
        assertEquals(1L, t.move(courier, d1, p.x(), p.y()), "nothing was published before: the first id is 1");
        assertEquals("1", stream.next(WITHIN, "the one position").lastEventId(), "the stream is still open, still signed in");
    }

    @Test
    @DisplayName("bad positions are a 4xx with a JSON message and publish nothing")
    void badPositions() {
        Tracker t = start(Tracker.options());
        Delivery d1 = t.deliveryOf("customer1");
        Delivery d2 = t.people.deliveries().stream().filter(d -> !d.courier().equals(d1.courier())).findFirst().orElseThrow();
        String courier = t.signIn(d1.courier());
        String customer = t.signIn("customer1");
        Map<String, Integer> cases = new java.util.LinkedHashMap<>();
        cases.put("{\"delivery\": \"" + d1.id() + "\", \"x\": 1001, \"y\": 5}", 400);
        cases.put("{\"delivery\": \"" + d1.id() + "\", \"x\": -1, \"y\": 5}", 400);
        cases.put("{\"delivery\": \"" + d1.id() + "\", \"x\": \"5\", \"y\": 5}", 400);
        cases.put("{\"delivery\": \"" + d1.id() + "\", \"x\": 5}", 400);
        cases.put("{\"x\": 5, \"y\": 5}", 400);
        cases.put("[1, 2]", 400);
        cases.put("{\"delivery\": \"" + d1.id() + "\", \"x\": 5, \"y\": 5} {}", 400);
        cases.put("{\"delivery\": \"d-unknown\", \"x\": 5, \"y\": 5}", 404);
        cases.put("{\"delivery\": \"" + d2.id() + "\", \"x\": 5, \"y\": 5}", 403);
        cases.forEach((body, status) -> {
            HttpResponse<String> answer = t.post("/positions", courier, body, Map.of());
            assertEquals(status, answer.statusCode(), body + " -> " + answer.body());
            assertTrue(Tracker.tree(answer.body()).has("error"), answer.body());
        });
        String ok = "{\"delivery\": \"" + d1.id() + "\", \"x\": 5, \"y\": 5}";
        assertEquals(403, t.post("/positions", customer, ok, Map.of()).statusCode(), "a customer posts no positions");
        assertEquals(401, t.post("/positions", null, ok, Map.of()).statusCode(), "nobody signed in");
        assertEquals(415, Tracker.send(HttpRequest.newBuilder(t.uri("/positions")).header("Cookie", courier)
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(ok))).statusCode());
        JsonNode view = Tracker.tree(t.get("/deliveries/" + d1.id(), courier).body());
        assertEquals("waiting", view.get("status").asText(), "nothing moved: " + view);
        assertEquals(1L, t.move(courier, d1, 5, 5), "nothing was published before: the first id is 1");
    }

    @Test
    @DisplayName("at the door a delivery is delivered, with a status event, and takes no more positions")
    void deliveredAtTheDoor() {
        Tracker t = start(Tracker.options());
        Delivery d1 = t.deliveryOf("customer1");
        String courier = t.signIn(d1.courier());
        EventStream stream = t.stream(t.signIn("customer1"));
        stream.next(WITHIN, "the snapshot");
        Point door = d1.route().get(d1.route().size() - 1);
        t.move(courier, d1, door.x(), door.y());
        List<ServerSentEvent> events = stream.next(2, WITHIN, "the position and the status");
        assertEquals("status", events.get(1).type());
        assertEquals("delivered", data(events.get(1)).get("status").asText());
        assertEquals(0, data(events.get(1)).get("eta").asLong());
        tracker.app.clients(); // still open
        assertEquals(409, t.position(courier, d1, door.x(), door.y()).statusCode(), "delivered: it moves no more");
    }
}
