package sse.capstone;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import sse.capstone.People.Delivery;
import sse.capstone.People.Point;
import sse.check.EventStream;
import sse.check.ServerSentEvent;
import sse.check.TestServer;
import sse.scaleout.InMemoryBroker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The capstone's server in a test, and what its users do: sign in, open the stream, post a position. */
final class Tracker implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WITHIN = Duration.ofSeconds(5);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    final People people = People.demo();
    final TrackerApp app;
    final TestServer server;
    private final List<EventStream> streams = new ArrayList<>();

    Tracker(TrackerApp.Options options) {
        this(options, new InMemoryBroker(options.historySize()));
    }

    /** The server with another broker, e.g. lesson 09's Redis stream. */
    Tracker(TrackerApp.Options options, sse.scaleout.Broker broker) {
        app = new TrackerApp(options, people, broker);
        server = TestServer.start(app.create());
    }

    /** Fast heartbeats (and session checks), a short retry, and no rate limit to trip over. */
    static TrackerApp.Options options() {
        return TrackerApp.Options.defaults().withHeartbeatEvery(Duration.ofMillis(200))
                .withRetry(Duration.ofMillis(300), Duration.ZERO).withRateLimit(1000, 1000)
                .withDrainFor(Duration.ofSeconds(1));
    }

    /** Signs in; returns the session cookie, {@code name=value}. */
    String signIn(String name) {
        HttpResponse<String> answer = send(HttpRequest.newBuilder(server.uri("/signin"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("name=" + name + "&password=demo")));
        assertEquals(303, answer.statusCode(), "sign-in should answer 303 to the user's page: " + answer.body());
        String setCookie = answer.headers().firstValue("Set-Cookie").orElseThrow(() -> new AssertionError("no Set-Cookie"));
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    HttpResponse<String> signOut(String cookie) {
        return send(HttpRequest.newBuilder(server.uri("/signout")).header("Cookie", cookie)
                .POST(HttpRequest.BodyPublishers.noBody()));
    }

    EventStream stream(String cookie) {
        return stream(cookie, Map.of());
    }

    EventStream stream(String cookie, Map<String, String> more) {
        Map<String, String> headers = new HashMap<>(more);
        if (cookie != null) {
            headers.put("Cookie", cookie);
        }
        EventStream stream = EventStream.open(server.uri("/events"), headers);
        streams.add(stream);
        return stream;
    }

    HttpResponse<String> get(String path, String cookie) {
        return send(HttpRequest.newBuilder(server.uri(path)).header("Cookie", cookie).GET());
    }

    HttpResponse<String> post(String path, String cookie, String json, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        headers.forEach(request::header);
        return send(request);
    }

    HttpResponse<String> position(String cookie, Delivery delivery, double x, double y) {
        return post("/positions", cookie, "{\"delivery\": \"" + delivery.id() + "\", \"x\": " + x + ", \"y\": " + y + "}", Map.of());
    }

    /** Posts a position as the delivery's courier (signed in already as {@code courierCookie}) and expects it taken. */
    long move(String courierCookie, Delivery delivery, double x, double y) {
        HttpResponse<String> answer = position(courierCookie, delivery, x, y);
        assertEquals(202, answer.statusCode(), "a courier's position for their delivery is taken: " + answer.body());
        return tree(answer.body()).get("id").asLong();
    }

    Delivery deliveryOf(String customer) {
        return people.deliveries().stream().filter(d -> d.customer().equals(customer)).findFirst().orElseThrow();
    }

    /** A point on the way: one tenth of the way along the route's first leg, times n. */
    static Point along(Delivery delivery, int n) {
        Point a = delivery.route().get(0);
        Point b = delivery.route().get(1);
        return new Point(a.x() + (b.x() - a.x()) * n / 10.0, a.y() + (b.y() - a.y()) * n / 10.0);
    }

    static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + json, e);
        }
    }

    static JsonNode data(ServerSentEvent event) {
        return tree(event.data());
    }

    /** The ids of the deliveries in a {@code deliveries} event. */
    static List<String> deliveryIds(ServerSentEvent snapshot) {
        assertEquals("deliveries", snapshot.type(), "the first event of a stream is the snapshot: " + snapshot);
        List<String> ids = new ArrayList<>();
        data(snapshot).get("deliveries").forEach(view -> ids.add(view.get("id").asText()));
        return ids;
    }

    static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    URI uri(String path) {
        return server.uri(path);
    }

    @Override
    public void close() {
        streams.forEach(EventStream::close);
        server.close();
    }
}
