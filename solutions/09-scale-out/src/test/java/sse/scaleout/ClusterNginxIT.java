package sse.scaleout;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sse.check.Await;
import sse.check.MovieFeed;
import sse.check.ReconnectingClient;
import sse.check.ServerSentEvent;
import sse.scaleout.cluster.Cluster;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Lesson 09 as it runs: Redis, three instances in their own JVMs and the lesson's nginx.conf in front,
 * all real processes (the cluster command's own code, {@link Cluster}, on free ports). Clients stream
 * through nginx and come back the way a browser's EventSource does. Run with {@code ./mvnw verify -Pnginx}:
 * it needs nginx, and fails, saying how to install it, when nginx is missing.
 */
class ClusterNginxIT {

    static final String EVENTS = "/events?topics=movies";
    static final Duration POST_EVERY = Duration.ofMillis(20);
    /** Generous: an instance's clients wait their retry (2 s plus up to 3 s of jitter) before they come back. */
    static final Duration ALL_BACK = Duration.ofSeconds(30);
    static final Duration CONNECTED = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final HttpClient http = ReconnectingClient.sharedHttp();
    private final List<ReconnectingClient> clients = new ArrayList<>();
    private Cluster cluster;

    @AfterEach
    void stop() {
        clients.forEach(ReconnectingClient::close);
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @DisplayName("kill -9 one of three instances under 300 clients and a poster: every client comes back on a survivor, with every movie once, in order")
    void killOneInstance() throws Exception {
        cluster = Cluster.start(Cluster.Plan.onFreePorts(3, dir));
        connect(300);
        try (Poster poster = Poster.start(cluster.uri("/movies"), POST_EVERY)) {
            Await.until(() -> poster.accepted().size() >= 20, Duration.ofSeconds(10), () -> "posts go through nginx: " + poster.summary());
            Map<String, List<ReconnectingClient>> before = byInstance();
            String victim = before.entrySet().stream().max(Map.Entry.comparingByValue((x, y) -> x.size() - y.size()))
                    .orElseThrow().getKey();
            List<ReconnectingClient> moved = before.get(victim);
            Map<ReconnectingClient, Integer> connections = new LinkedHashMap<>();
            moved.forEach(client -> connections.put(client, client.connections()));

            long killed = System.nanoTime();
            cluster.kill(victim);
            Duration back = awaitBack(moved, connections, victim, killed);
            System.out.printf("kill -9 of instance %s: its %d of %d clients were all back on %s %d ms after the kill%n",
                    victim, moved.size(), clients.size(), otherThan(victim), back.toMillis());
            Await.until(() -> poster.accepted().size() >= 20 + 50, Duration.ofSeconds(10), () -> "posts go on after the kill: " + poster.summary());
            poster.close();
            System.out.println("posts: " + poster.summary());
            assertEveryClientHasEveryMovie(poster);
            assertTrue(poster.unexpected().isEmpty(), "every post is answered 201, 503 or 502: " + poster.unexpected());
            for (ReconnectingClient client : moved) {
                assertFalse(lastInstance(client).equals(victim), "the killed instance's clients are on survivors now");
            }
        }
    }

    @Test
    @DisplayName("one of three instances stops gracefully (SIGTERM) under 150 clients and a poster: its clients move to the others, nothing lost")
    void drainOneInstance() throws Exception {
        cluster = Cluster.start(Cluster.Plan.onFreePorts(3, dir));
        connect(150);
        try (Poster poster = Poster.start(cluster.uri("/movies"), POST_EVERY)) {
            Await.until(() -> poster.accepted().size() >= 20, Duration.ofSeconds(10), () -> "posts go through nginx: " + poster.summary());
            String victim = "b";
            List<ReconnectingClient> moved = byInstance().getOrDefault(victim, List.of());
            assertFalse(moved.isEmpty(), "least_conn gave instance b some of the clients");
            Map<ReconnectingClient, Integer> connections = new LinkedHashMap<>();
            moved.forEach(client -> connections.put(client, client.connections()));

            long terminated = System.nanoTime();
            Process process = cluster.terminate(victim);
            assertTrue(process.waitFor(15, TimeUnit.SECONDS), "instance b stops within 15 s: it drains for at most 5 s");
            long gone = System.nanoTime();
            Duration back = awaitBack(moved, connections, victim, terminated);
            System.out.printf("SIGTERM to instance %s: it exited (code %d) %d ms later; its %d of %d clients were all back on %s"
                            + " %d ms after the signal%n", victim, process.exitValue(), TimeUnit.NANOSECONDS.toMillis(gone - terminated),
                    moved.size(), clients.size(), otherThan(victim), back.toMillis());
            Await.until(() -> poster.accepted().size() >= 20 + 50, Duration.ofSeconds(10), () -> "posts go on after the stop: " + poster.summary());
            poster.close();
            System.out.println("posts: " + poster.summary());
            assertEveryClientHasEveryMovie(poster);
            cluster.balancerLog().lines().filter(line -> line.contains("upstream") && !line.contains("connect() failed"))
                    .limit(5).forEach(line -> System.out.println("nginx: " + line));
            // nginx keeps sending b requests while it drains (no active health checks in nginx OSS; with
            // least_conn, a b whose streams have ended even looks the least busy): they are answered 503, and a
            // post still arriving as b's Jetty stops is answered too (StreamServer.stopGracefully). Measured: a
            // 502 in three of five runs with Jetty's default stop, none in ten since. One is still possible, for a
            // connection still in the kernel's accept queue as the port closes; stored or not, the ids stay gapless.
            assertTrue(poster.unexpected().isEmpty(), "every post is answered 201, 503 or 502: " + poster.unexpected());
        }
    }

    // ---------------------------------------------------------------------------------------

    /** Starts {@code count} clients through nginx, and waits until each has its stream and every instance has some. */
    private void connect(int count) {
        for (int i = 0; i < count; i++) {
            clients.add(ReconnectingClient.start(http, cluster.uri(EVENTS), "client-" + i));
        }
        Await.until(() -> clients.stream().allMatch(client -> !lastInstance(client).isEmpty()), CONNECTED,
                () -> clients.stream().filter(client -> lastInstance(client).isEmpty()).count() + " of " + count
                        + " clients have no stream yet through nginx");
        for (Cluster.Instance instance : cluster.instances()) {
            Await.until(() -> streamsOn(instance) > 0, Duration.ofSeconds(5),
                    () -> "least_conn spreads the streams: instance " + instance.name() + " should have some");
        }
        System.out.println(count + " clients through nginx, by instance: " + byInstance().entrySet().stream()
                .map(entry -> entry.getKey() + " " + entry.getValue().size()).collect(Collectors.joining(", ")));
    }

    /**
     * Waits until every client that was on {@code victim} has a new stream on another instance, and
     * returns how long that took from {@code since}.
     */
    private Duration awaitBack(List<ReconnectingClient> moved, Map<ReconnectingClient, Integer> connections,
                               String victim, long since) {
        Await.until(() -> moved.stream().allMatch(client -> client.connections() > connections.get(client)
                        && !lastInstance(client).equals(victim)), ALL_BACK,
                () -> moved.stream().filter(client -> client.connections() <= connections.get(client)
                        || lastInstance(client).equals(victim)).count() + " of " + moved.size()
                        + " clients of instance " + victim + " are not back on another instance"
                        + (moved.stream().anyMatch(ReconnectingClient::stopped) ? " (some stopped for good: a 502 reached them?)" : ""));
        return Duration.ofNanos(System.nanoTime() - since);
    }

    /**
     * The end state: the cluster's ids are 1 to N with no gap (one counter gives them out), and every client
     * has exactly those, in order, once each: every accepted post among them, no refused post.
     */
    private void assertEveryClientHasEveryMovie(Poster poster) throws Exception {
        long newest = poster.accepted().stream().mapToLong(Long::longValue).max().orElseThrow();
        // A post without an answer may still have been stored, after the last accepted one: ask the instances.
        for (Cluster.Instance instance : cluster.instances()) {
            if (instance.process().isAlive()) {
                newest = Math.max(newest, health(instance).path("lastId").asLong());
            }
        }
        List<Long> expected = LongStream.rangeClosed(1, newest).boxed().toList();
        long last = newest;
        Await.until(() -> clients.stream().allMatch(client -> client.lastEventId().equals(String.valueOf(last))), ALL_BACK,
                () -> clients.stream().filter(client -> !client.lastEventId().equals(String.valueOf(last))).count()
                        + " clients have not reached movie " + last);
        Set<Long> accepted = new HashSet<>(poster.accepted());
        assertEquals(accepted.size(), poster.accepted().size(), "the cluster gives each accepted post its own id");
        assertTrue(expected.containsAll(accepted), "every accepted id is among 1.." + newest);
        for (ReconnectingClient client : clients) {
            List<Long> ids = client.ids("movie");
            if (!ids.equals(expected)) {
                fail("client " + clients.indexOf(client) + " should have movies 1 to " + newest + ", once each, in order; "
                        + describe(ids, expected) + "; it connected " + client.connections() + " times");
            }
            List<String> titles = titles(client);
            assertEquals(titles.size(), new HashSet<>(titles).size(), "no post is in the feed twice");
            for (String title : titles) {
                assertFalse(poster.refused().contains(title), "a post answered 503 is not in the feed, but " + title + " is");
            }
            assertFalse(client.stopped(), "no client was told to stop (a 502 or 503 to an EventSource)");
        }
        List<String> feed = titles(clients.get(0));
        long inFeed = poster.unknown().keySet().stream().filter(feed::contains).count();
        System.out.printf("every one of %d clients has movies 1 to %d once, in order; of %d posts without an answer %s, %d were stored%n",
                clients.size(), newest, poster.unknown().size(), poster.unknown().values(), inFeed);
    }

    private static String describe(List<Long> ids, List<Long> expected) {
        List<Long> missing = expected.stream().filter(id -> !ids.contains(id)).toList();
        List<Long> twice = ids.stream().filter(id -> ids.indexOf(id) != ids.lastIndexOf(id)).distinct().toList();
        return "it has " + ids.size() + " (missing " + missing + ", twice " + twice + ", first ones " + ids.subList(0, Math.min(10, ids.size())) + ")";
    }

    private static List<String> titles(ReconnectingClient client) {
        List<String> titles = new ArrayList<>();
        for (ServerSentEvent event : client.events()) {
            if (event.type().equals("movie")) {
                try {
                    titles.add(MovieFeed.JSON.readTree(event.data()).path("title").asText());
                } catch (IOException e) {
                    throw new AssertionError("a movie's data is JSON: " + event, e);
                }
            }
        }
        return titles;
    }

    /** The instance a client's latest stream came from (its first event names it), or "" before any. */
    private static String lastInstance(ReconnectingClient client) {
        List<ServerSentEvent> events = client.events();
        for (int i = events.size() - 1; i >= 0; i--) {
            if (events.get(i).type().equals("instance")) {
                try {
                    return MovieFeed.JSON.readTree(events.get(i).data()).path("name").asText();
                } catch (IOException e) {
                    throw new AssertionError("the instance event's data is JSON: " + events.get(i), e);
                }
            }
        }
        return "";
    }

    private Map<String, List<ReconnectingClient>> byInstance() {
        return clients.stream().collect(Collectors.groupingBy(ClusterNginxIT::lastInstance, java.util.TreeMap::new, Collectors.toList()));
    }

    private String otherThan(String victim) {
        Map<String, List<ReconnectingClient>> now = byInstance();
        return now.entrySet().stream().map(entry -> entry.getKey() + " (" + entry.getValue().size() + ")")
                .collect(Collectors.joining(" and ")) + (now.containsKey(victim) ? " (still some on " + victim + "!)" : "");
    }

    private int streamsOn(Cluster.Instance instance) {
        try {
            return health(instance).path("streams").asInt();
        } catch (IOException | InterruptedException e) {
            return 0;
        }
    }

    private JsonNode health(Cluster.Instance instance) throws IOException, InterruptedException {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(instance.uri("/health")).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString());
        return MovieFeed.JSON.readTree(answer.body());
    }
}
