package sse.capstone;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sse.capstone.People.Delivery;
import sse.capstone.People.Point;
import sse.check.EventStream;
import sse.check.ServerSentEvent;
import sse.scaleout.RedisBroker;
import sse.scaleout.cluster.RedisProcess;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Robustness, not a TODO: the tracker on lesson 09's Redis broker (a real redis-server: the PATH's, or the
 * one the build brings). Isolation, order and the replay after Last-Event-ID hold as with the default broker.
 */
class TrackerRedisTest {

    static final Duration WITHIN = Duration.ofSeconds(5);

    @Test
    @DisplayName("on Redis too: each customer gets their own positions in order, and a replay of their own only")
    void isolationAndReplayOnRedis(@TempDir Path dir) throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        try (RedisProcess redis = RedisProcess.start(dir, port);
             Tracker t = new Tracker(Tracker.options(), new RedisBroker(URI.create(redis.uri()), 1000))) {
            Delivery d1 = t.deliveryOf("customer1");
            Delivery d2 = t.deliveryOf("customer2");
            String c1 = t.signIn("customer1");
            String c2 = t.signIn("customer2");
            String courier1 = t.signIn(d1.courier());
            String courier2 = t.signIn(d2.courier());
            EventStream one = t.stream(c1);
            EventStream two = t.stream(c2);
            assertEquals(List.of(d1.id()), Tracker.deliveryIds(one.next(WITHIN, "customer1's snapshot")));
            assertEquals(List.of(d2.id()), Tracker.deliveryIds(two.next(WITHIN, "customer2's snapshot")));

            for (int n = 1; n <= 3; n++) {
                Point p = Tracker.along(d1, n);
                t.move(courier1, d1, p.x(), p.y());
                Point q = Tracker.along(d2, n);
                t.move(courier2, d2, q.x(), q.y());
            }
            List<ServerSentEvent> ones = positions(one, 3);
            List<ServerSentEvent> twos = positions(two, 3);
            for (int n = 0; n < 3; n++) {
                assertEquals(d1.id(), Tracker.data(ones.get(n)).get("delivery").asText(), "customer1 sees only d1: " + ones);
                assertEquals(d2.id(), Tracker.data(twos.get(n)).get("delivery").asText(), "customer2 sees only d2: " + twos);
                assertEquals(Tracker.along(d1, n + 1).x(), Tracker.data(ones.get(n)).get("x").asDouble(), 1e-9, "in order");
            }

            String seen = ones.get(0).lastEventId();
            EventStream back = t.stream(c1, Map.of("Last-Event-ID", seen));
            List<ServerSentEvent> missed = positions(back, 2);
            assertEquals(List.of(ones.get(1).lastEventId(), ones.get(2).lastEventId()),
                    missed.stream().map(ServerSentEvent::lastEventId).toList(),
                    "after " + seen + ": customer1's next two positions, none of customer2's");
        }
    }

    /** The next {@code count} position events, skipping status events. */
    private static List<ServerSentEvent> positions(EventStream stream, int count) {
        java.util.ArrayList<ServerSentEvent> found = new java.util.ArrayList<>();
        while (found.size() < count) {
            ServerSentEvent event = stream.next(WITHIN, "positions " + found.size() + " of " + count);
            if (event.type().equals("position")) {
                found.add(event);
            }
        }
        return found;
    }
}
