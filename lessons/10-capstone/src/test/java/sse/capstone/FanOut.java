package sse.capstone;

import com.fasterxml.jackson.databind.JsonNode;
import sse.capstone.People.Delivery;
import sse.capstone.People.User;
import sse.check.EventStreamParser;
import sse.check.ServerSentEvent;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * Many users' pages at once, as the simulator's couriers drive: every stream on one {@code HttpClient}
 * (a few threads, none per stream), each event noted with when it came. At the end it compares what each
 * page got with what the couriers posted: every position of the deliveries that user may see, in order,
 * complete, and nothing of anyone else's; and how long after a courier's POST the last of that
 * delivery's pages had it. Who may see what is worked out here from {@link People}, not asked of the app.
 */
final class FanOut implements AutoCloseable {

    /** A position the server took: its delivery, its id, and when its POST was sent. */
    record Post(String delivery, long id, long sentNanos) {
    }

    /** An event as a page received it. */
    record Arrival(String type, long id, String delivery, long nanos) {
    }

    /** What the run showed. Delays are from a courier's POST to the last of that delivery's pages. */
    record Report(int customers, int watchers, long posts, long events, double seconds, int customersRight,
                  int incomplete, int outOfOrder, int foreign, long missing, double medianMs, double p99Ms, double maxMs) {

        boolean allRight() {
            return customersRight == customers && incomplete == 0 && outOfOrder == 0 && foreign == 0;
        }

        String describe() {
            return String.format(Locale.ROOT, """
                            positions taken        %d (%.1f a second)
                            events received        %d by %d pages (%.1f a second)
                            POST to last page      median %.1f ms, p99 %.1f ms, max %.1f ms
                            every customer's positions in order and complete: %s (%d of %d customers; \
                            pages incomplete %d, out of order %d, with others' events %d; positions missing %d)""",
                    posts, posts / seconds, events, watchers, events / seconds, medianMs, p99Ms, maxMs,
                    allRight() ? "yes" : "NO", customersRight, customers, incomplete, outOfOrder, foreign, missing);
        }
    }

    /** One page: its user, its stream, and what arrived, in order. */
    private static final class Watcher implements Flow.Subscriber<List<ByteBuffer>> {
        final User user;
        final List<Arrival> arrivals = Collections.synchronizedList(new ArrayList<>());
        final EventStreamParser parser;
        volatile boolean ready; // the snapshot has come
        volatile Flow.Subscription subscription;

        Watcher(User user) {
            this.user = user;
            this.parser = new EventStreamParser(this::received);
        }

        private void received(ServerSentEvent event) {
            long now = System.nanoTime();
            if (event.type().equals("deliveries")) {
                ready = true;
                return;
            }
            JsonNode data = Tracker.tree(event.data());
            arrivals.add(new Arrival(event.type(), Long.parseLong(event.lastEventId()), data.get("delivery").asText(), now));
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                parser.feed(bytes, 0, bytes.length);
            }
        }

        @Override
        public void onError(Throwable error) {
            parser.end();
        }

        @Override
        public void onComplete() {
            parser.end();
        }
    }

    private final People people;
    private final List<Watcher> watchers = new ArrayList<>();
    private final Queue<Post> posts = new ConcurrentLinkedQueue<>();
    private final ExecutorService threads = Executors.newFixedThreadPool(4, runnable -> {
        Thread thread = new Thread(runnable, "fan-out-reader");
        thread.setDaemon(true);
        return thread;
    });
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).executor(threads).build();

    private FanOut(People people) {
        this.people = people;
    }

    /** Signs in every user and opens their page's stream; returns when every stream has its snapshot. */
    static FanOut watch(URI server, People people, List<User> users, Duration within) throws IOException, InterruptedException {
        Simulator.requireLoopback(server);
        FanOut fanOut = new FanOut(people);
        for (User user : users) {
            String cookie = Simulator.signIn(fanOut.http, server, user.name());
            Watcher watcher = new Watcher(user);
            fanOut.watchers.add(watcher);
            fanOut.http.sendAsync(HttpRequest.newBuilder(server.resolve("/events")).header("Accept", "text/event-stream")
                    .header("Cookie", cookie).GET().build(), info -> HttpResponse.BodySubscribers.fromSubscriber(watcher));
        }
        long deadline = System.nanoTime() + within.toNanos();
        while (!fanOut.watchers.stream().allMatch(w -> w.ready)) {
            if (System.nanoTime() - deadline > 0) {
                long ready = fanOut.watchers.stream().filter(w -> w.ready).count();
                fanOut.close();
                throw new AssertionError("only " + ready + " of " + users.size() + " streams had their snapshot within " + within);
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        return fanOut;
    }

    /** For the simulator: every position the server took. */
    Simulator.Listener listener() {
        return (delivery, id, sentNanos) -> posts.add(new Post(delivery, id, sentNanos));
    }

    /** Whether {@code user} may see {@code delivery}: worked out from the list, the truth the app is held to. */
    private static boolean maySee(User user, Delivery delivery) {
        return switch (user.role()) {
            case DISPATCHER -> true;
            case CUSTOMER -> delivery.customer().equals(user.name());
            case COURIER -> delivery.courier().equals(user.name());
        };
    }

    /** The ids each page should get, in order. */
    private Map<Watcher, List<Long>> expected() {
        List<Post> sorted = new ArrayList<>(posts);
        sorted.sort((a, b) -> Long.compare(a.id(), b.id()));
        Map<Watcher, List<Long>> expected = new HashMap<>();
        for (Watcher watcher : watchers) {
            List<Long> ids = new ArrayList<>();
            for (Post post : sorted) {
                if (maySee(watcher.user, people.delivery(post.delivery()).orElseThrow())) {
                    ids.add(post.id());
                }
            }
            expected.put(watcher, ids);
        }
        return expected;
    }

    private static List<Long> positionIds(Watcher watcher) {
        synchronized (watcher.arrivals) {
            return watcher.arrivals.stream().filter(a -> a.type().equals("position")).map(Arrival::id).toList();
        }
    }

    /** Waits, bounded, until every page has every position it should have (after the couriers stopped). */
    void awaitQuiet(Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        Map<Watcher, List<Long>> expected = expected();
        while (System.nanoTime() - deadline < 0
                && !watchers.stream().allMatch(w -> positionIds(w).size() >= expected.get(w).size())) {
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    Report report(double seconds) {
        Map<Watcher, List<Long>> expected = expected();
        Map<Long, Long> lastArrival = new HashMap<>();
        int customers = 0;
        int customersRight = 0;
        int incomplete = 0;
        int outOfOrder = 0;
        int foreign = 0;
        long missing = 0;
        long events = 0;
        for (Watcher watcher : watchers) {
            List<Arrival> arrivals;
            synchronized (watcher.arrivals) {
                arrivals = List.copyOf(watcher.arrivals);
            }
            events += arrivals.size();
            List<Long> got = positionIds(watcher);
            List<Long> want = expected.get(watcher);
            boolean ordered = true;
            for (int i = 1; i < got.size(); i++) {
                ordered &= got.get(i) > got.get(i - 1);
            }
            boolean others = arrivals.stream().anyMatch(a -> people.delivery(a.delivery())
                    .map(d -> !maySee(watcher.user, d)).orElse(true));
            java.util.Set<Long> gotSet = new java.util.HashSet<>(got);
            long lacking = want.stream().filter(id -> !gotSet.contains(id)).count();
            missing += lacking;
            incomplete += lacking > 0 ? 1 : 0;
            outOfOrder += ordered ? 0 : 1;
            foreign += others ? 1 : 0;
            if (watcher.user.role() == People.Role.CUSTOMER) {
                customers++;
                customersRight += got.equals(want) && !others ? 1 : 0;
            }
            for (Arrival arrival : arrivals) {
                if (arrival.type().equals("position")) {
                    lastArrival.merge(arrival.id(), arrival.nanos(), Math::max);
                }
            }
        }
        double[] delays = posts.stream().filter(p -> lastArrival.containsKey(p.id()))
                .mapToDouble(p -> (lastArrival.get(p.id()) - p.sentNanos()) / 1e6).sorted().toArray();
        return new Report(customers, watchers.size(), posts.size(), events, seconds, customersRight, incomplete,
                outOfOrder, foreign, missing, percentile(delays, 50), percentile(delays, 99),
                delays.length == 0 ? 0 : delays[delays.length - 1]);
    }

    private static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100 * sorted.length) - 1)];
    }

    @Override
    public void close() {
        for (Watcher watcher : watchers) {
            Flow.Subscription subscription = watcher.subscription;
            if (subscription != null) {
                subscription.cancel(); // closes the connection: the server sees the page leave
            }
        }
        threads.shutdownNow();
    }
}
