package sse.scaleout.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The load client of {@link Bench}, in a process of its own, so that what it measures is the servers,
 * not a JVM that also runs one. It holds N event streams, reconnecting as a browser does ({@code retry:},
 * {@code Last-Event-ID}), posts movies, and notes when each client receives each one, on one clock.
 * It prints one {@code result ...} line per measurement on standard output, which {@link Bench} reads.
 *
 * <pre>
 * java -cp ... sse.scaleout.cluster.BenchClient --streams URL[,URL...] --post URL[,URL...] --clients 1000 --measure fanout,rate,failover
 * </pre>
 *
 * Only loopback addresses; at most {@value #MAX_CLIENTS} clients; it stops by itself after {@value #MAX_SECONDS} s.
 */
public final class BenchClient {

    static final int MAX_CLIENTS = 5000;
    static final int MAX_SECONDS = 300;
    /** Fan-out: this many movies are measured, one at a time, after a few to warm up. */
    static final int WARM_UP = 10;
    static final Duration FANOUT_APART = Duration.ofMillis(150);
    /** The rates tried, in movies per second, each for {@link #STEP}; the ramp stops at the first that fails. */
    static final int[] RATES = {25, 50, 100, 200, 400, 800, 1600, 3200};
    static final Duration STEP = Duration.ofSeconds(3);
    /** "Every client receives it" means within this of its post. */
    static final Duration IN_TIME = Duration.ofSeconds(1);
    private static final Pattern NAME = Pattern.compile("\"name\"\\s*:\\s*\"([^\"]*)\"");

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final HttpClient posts = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, runnable -> {
        Thread thread = new Thread(runnable, "bench-timer");
        thread.setDaemon(true);
        return thread;
    });
    private final List<Stream> streams = new ArrayList<>();
    private final Map<Long, Arrival> arrivals = new ConcurrentHashMap<>();
    private final List<URI> postTo;
    private final AtomicInteger nextPost = new AtomicInteger();
    private final PrintStream out;
    private final BufferedReader in;

    /** When the clients received one movie: how many, and the first and last moment. */
    static final class Arrival {
        final AtomicInteger count = new AtomicInteger();
        final AtomicLong last = new AtomicLong(Long.MIN_VALUE);

        void at(long nanos) {
            count.incrementAndGet();
            last.accumulateAndGet(nanos, Math::max);
        }
    }

    private BenchClient(List<URI> postTo, PrintStream out, BufferedReader in) {
        this.postTo = postTo;
        this.out = out;
        this.in = in;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        List<URI> streamUris = uris(options.get("--streams"));
        List<URI> postUris = uris(options.get("--post"));
        int clients = Integer.parseInt(options.getOrDefault("--clients", "1000"));
        if (clients < 1 || clients > MAX_CLIENTS) {
            throw new IllegalArgumentException("--clients from 1 to " + MAX_CLIENTS);
        }
        List<String> measures = Arrays.asList(options.getOrDefault("--measure", "fanout").split(","));
        Thread deadline = new Thread(() -> {
            try {
                Thread.sleep(TimeUnit.SECONDS.toMillis(MAX_SECONDS));
                System.err.println("bench client: " + MAX_SECONDS + " s are up, stopping");
                Runtime.getRuntime().halt(3);
            } catch (InterruptedException done) {
                // finished in time
            }
        }, "deadline");
        deadline.setDaemon(true);
        deadline.start();
        BenchClient bench = new BenchClient(postUris, System.out,
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
        bench.connect(streamUris, clients);
        for (String measure : measures) {
            switch (measure) {
                case "fanout" -> bench.fanOut();
                case "rate" -> bench.rate();
                case "failover" -> bench.failover();
                default -> throw new IllegalArgumentException("unknown measurement " + measure);
            }
        }
        bench.out.println("done");
        bench.out.flush();
        Runtime.getRuntime().halt(0); // the streams' threads need no goodbye
    }

    // ---------------------------------------------------------------------------------------
    // The streams
    // ---------------------------------------------------------------------------------------

    /** One client, its stream reconnecting as an EventSource does. */
    final class Stream implements Flow.Subscriber<String> {
        final URI uri;
        volatile String instance = "";
        volatile long instanceAt; // when the latest stream's instance event came
        volatile long lastMovie = -1; // the newest movie id received (the welcome's id at first)
        volatile String lastEventId = "";
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger gaps = new AtomicInteger();
        final AtomicInteger twice = new AtomicInteger();
        volatile boolean stopped;
        volatile long retry = 3000;
        // The event being read: only the delivering thread touches these.
        private String type = "";
        private String id = null;
        private final StringBuilder data = new StringBuilder();
        private Flow.Subscription subscription;

        Stream(URI uri) {
            this.uri = uri;
        }

        void open() {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").GET();
            if (!lastEventId.isEmpty()) {
                request.header("Last-Event-ID", lastEventId);
            }
            http.sendAsync(request.build(), info -> {
                boolean eventStream = info.headers().firstValue("Content-Type").orElse("")
                        .toLowerCase(Locale.ROOT).startsWith("text/event-stream");
                if (info.statusCode() != 200 || !eventStream) {
                    stopped = true; // an EventSource stops for good
                    return HttpResponse.BodySubscribers.discarding();
                }
                connections.incrementAndGet();
                return HttpResponse.BodySubscribers.fromLineSubscriber(this);
            }).whenComplete((response, failure) -> {
                if (!stopped) {
                    timer.schedule(this::open, retry, TimeUnit.MILLISECONDS); // ended or failed: come back after retry
                }
            });
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            type = "";
            id = null;
            data.setLength(0);
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            if (line.isEmpty()) {
                dispatch();
            } else if (line.startsWith("data:")) {
                data.append(value(line)).append('\n');
            } else if (line.startsWith("event:")) {
                type = value(line);
            } else if (line.startsWith("id:")) {
                id = value(line);
            } else if (line.startsWith("retry:")) {
                try {
                    retry = Long.parseLong(value(line));
                } catch (NumberFormatException ignored) {
                    // not all digits: ignored, as a browser does
                }
            }
        }

        private void dispatch() {
            long now = System.nanoTime();
            if (id != null) {
                lastEventId = id;
            }
            String event = type;
            String text = data.toString();
            type = "";
            data.setLength(0);
            if (text.isEmpty()) {
                return;
            }
            switch (event) {
                case "instance" -> {
                    Matcher name = NAME.matcher(text);
                    instance = name.find() ? name.group(1) : "?";
                    instanceAt = now;
                }
                case "welcome" -> lastMovie = Long.parseLong(lastEventId);
                case "reset" -> {
                    gaps.incrementAndGet(); // a reset means the history could not fill the gap
                    lastMovie = Long.parseLong(lastEventId);
                }
                case "movie" -> {
                    long movie = Long.parseLong(lastEventId);
                    if (movie <= lastMovie) {
                        twice.incrementAndGet();
                        return;
                    }
                    if (lastMovie >= 0 && movie != lastMovie + 1) {
                        gaps.incrementAndGet();
                    }
                    lastMovie = movie;
                    arrivals.computeIfAbsent(movie, key -> new Arrival()).at(now);
                }
                default -> {
                    // nothing else is measured
                }
            }
        }

        @Override
        public void onError(Throwable throwable) {
            // the connection broke: open() comes back after retry
        }

        @Override
        public void onComplete() {
            // the stream ended: open() comes back after retry
        }

        private String value(String line) {
            int colon = line.indexOf(':');
            String value = line.substring(colon + 1);
            return value.startsWith(" ") ? value.substring(1) : value;
        }
    }

    /** Opens {@code clients} streams, spread over the URIs in turn, at most 100 at a time, and waits for every welcome. */
    private void connect(List<URI> uris, int clients) throws InterruptedException {
        for (int i = 0; i < clients; i++) {
            Stream stream = new Stream(uris.get(i % uris.size()));
            streams.add(stream);
            stream.open();
            if (i % 100 == 99) {
                awaitWelcomed(i + 1 - 100, i + 1, Duration.ofSeconds(30));
            }
        }
        awaitWelcomed(0, clients, Duration.ofSeconds(30));
        out.println("ready " + clients + " " + byInstance());
        out.flush();
    }

    private void awaitWelcomed(int from, int to, Duration most) throws InterruptedException {
        long deadline = System.nanoTime() + most.toNanos();
        while (streams.subList(from, to).stream().anyMatch(stream -> stream.lastMovie < 0)) {
            if (System.nanoTime() > deadline) {
                long missing = streams.subList(from, to).stream().filter(stream -> stream.lastMovie < 0).count();
                throw new IllegalStateException(missing + " streams had no welcome after " + most.toSeconds() + " s");
            }
            Thread.sleep(10);
        }
    }

    private String byInstance() {
        return streams.stream().collect(Collectors.groupingBy(stream -> stream.instance, TreeMap::new, Collectors.counting()))
                .entrySet().stream().map(entry -> entry.getKey() + "=" + entry.getValue()).collect(Collectors.joining(","));
    }

    // ---------------------------------------------------------------------------------------
    // Posting
    // ---------------------------------------------------------------------------------------

    /** Posts one movie (to the post URIs in turn); completes with its id, -1 if it was refused, -2 if no answer came. */
    private CompletableFuture<Long> post(String title) {
        URI uri = postTo.get(Math.floorMod(nextPost.getAndIncrement(), postTo.size()));
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"title\": \"" + title + "\", \"year\": 2001}")).build();
        return posts.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((answer, failure) -> {
            if (failure != null) {
                return -2L;
            }
            if (answer.statusCode() != 201) {
                return -1L;
            }
            Matcher id = Pattern.compile("\"id\"\\s*:\\s*(\\d+)").matcher(answer.body());
            return id.find() ? Long.parseLong(id.group(1)) : -1L;
        });
    }

    // ---------------------------------------------------------------------------------------
    // Fan-out: from a post to the last client receiving it
    // ---------------------------------------------------------------------------------------

    private void fanOut() throws Exception {
        long cpu = cpuNanos();
        long wall = System.nanoTime();
        List<Long> millis = new ArrayList<>();
        int incomplete = 0;
        for (int i = 0; i < WARM_UP + 40; i++) {
            long posted = System.nanoTime();
            long id = post("fan-out " + i).get(10, TimeUnit.SECONDS);
            if (id < 0) {
                throw new IllegalStateException("a fan-out post was refused");
            }
            long deadline = posted + Duration.ofSeconds(5).toNanos();
            Arrival arrival;
            while (((arrival = arrivals.get(id)) == null || arrival.count.get() < streams.size()) && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            if (i >= WARM_UP) {
                if (arrival == null || arrival.count.get() < streams.size()) {
                    incomplete++;
                } else {
                    millis.add(TimeUnit.NANOSECONDS.toMicros(arrival.last.get() - posted));
                }
            }
            long next = posted + FANOUT_APART.toNanos();
            long wait = next - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
        }
        Collections.sort(millis);
        out.printf(Locale.ROOT, "result fanout events=%d incomplete=%d median_ms=%.1f p99_ms=%.1f max_ms=%.1f client_cpu=%d%%%n",
                millis.size(), incomplete, percentile(millis, 50) / 1000.0, percentile(millis, 99) / 1000.0,
                (millis.isEmpty() ? 0 : millis.get(millis.size() - 1)) / 1000.0,
                100 * (cpuNanos() - cpu) / Math.max(1, System.nanoTime() - wall));
        out.flush();
    }

    /** Nearest rank: the smallest value with at least p% of the values at or below it. */
    static long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    // ---------------------------------------------------------------------------------------
    // Sustained rate: the highest where every client receives every movie within a second
    // ---------------------------------------------------------------------------------------

    private void rate() throws Exception {
        int best = 0;
        for (int rate : RATES) {
            // Two tries: one pause (a collection, another program on the machine) should not end the ramp.
            Step step = null;
            boolean passed = false;
            for (int attempt = 1; attempt <= 2 && !passed; attempt++) {
                long cpu = cpuNanos();
                long wall = System.nanoTime();
                step = runStep(rate);
                out.printf(Locale.ROOT, "step rate=%d try=%d posted=%d accepted=%d refused=%d complete=%d late=%d worst_ms=%d client_cpu=%d%%%n",
                        rate, attempt, step.posted, step.accepted, step.refused, step.complete, step.late, step.worstMillis,
                        100 * (cpuNanos() - cpu) / Math.max(1, System.nanoTime() - wall));
                out.flush();
                passed = step.accepted == step.posted && step.complete == step.accepted && step.late == 0;
                Thread.sleep(1000); // let the servers settle before the next step
            }
            if (!passed) {
                out.printf(Locale.ROOT, "result rate best=%d failed_at=%d why=%s%n", best, rate, step.why());
                out.flush();
                return;
            }
            best = rate;
        }
        out.printf(Locale.ROOT, "result rate best=%d failed_at=none why=every_rate_tried_passed%n", best);
        out.flush();
    }

    record Step(int posted, int accepted, int refused, int complete, int late, long worstMillis) {
        String why() {
            if (accepted < posted) {
                return refused + "_posts_refused_and_" + (posted - accepted - refused) + "_unanswered_within_5s";
            }
            if (complete < accepted) {
                return (accepted - complete) + "_movies_not_received_by_every_client_within_5s";
            }
            return late + "_movies_reached_the_last_client_later_than_1s";
        }
    }

    private Step runStep(int rate) throws Exception {
        int count = (int) (rate * STEP.toMillis() / 1000);
        long start = System.nanoTime();
        long apart = TimeUnit.SECONDS.toNanos(1) / rate;
        List<CompletableFuture<Long>> ids = new ArrayList<>();
        long[] postedAt = new long[count];
        for (int i = 0; i < count; i++) {
            long at = start + i * apart;
            long wait = at - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            postedAt[i] = System.nanoTime();
            ids.add(post("rate " + rate + " #" + i));
        }
        List<Long> accepted = new ArrayList<>();
        List<Long> acceptedAt = new ArrayList<>();
        int refused = 0;
        for (int i = 0; i < count; i++) {
            long id;
            try {
                id = ids.get(i).get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException slow) {
                id = -2;
            }
            if (id > 0) {
                accepted.add(id);
                acceptedAt.add(postedAt[i]);
            } else if (id == -1) {
                refused++;
            }
        }
        // Wait (at most 5 s) for the stragglers, so that "late" and "never" can be told apart.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline && accepted.stream().anyMatch(id -> received(id) < streams.size())) {
            Thread.sleep(10);
        }
        int complete = 0;
        int late = 0;
        long worst = 0;
        for (int i = 0; i < accepted.size(); i++) {
            Arrival arrival = arrivals.get(accepted.get(i));
            if (arrival != null && arrival.count.get() >= streams.size()) {
                complete++;
                long delay = arrival.last.get() - acceptedAt.get(i);
                worst = Math.max(worst, delay);
                if (delay > IN_TIME.toNanos()) {
                    late++;
                }
            }
        }
        return new Step(count, accepted.size(), refused, complete, late, TimeUnit.NANOSECONDS.toMillis(worst));
    }

    /** The CPU time this process has used, all threads: to see whether the client, not the servers, is the limit. */
    private static long cpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }

    private int received(long id) {
        Arrival arrival = arrivals.get(id);
        return arrival == null ? 0 : arrival.count.get();
    }

    // ---------------------------------------------------------------------------------------
    // Failover: one instance killed; how long until its clients are all back
    // ---------------------------------------------------------------------------------------

    private void failover() throws Exception {
        AtomicLong posted = new AtomicLong();
        AtomicInteger refused = new AtomicInteger();
        var poster = timer.scheduleAtFixedRate(() -> post("failover").thenAccept(id -> {
            if (id > 0) {
                posted.accumulateAndGet(id, Math::max);
            } else {
                refused.incrementAndGet();
            }
        }), 0, 50, TimeUnit.MILLISECONDS);
        Thread.sleep(1000);
        Map<String, List<Stream>> before = streams.stream().collect(Collectors.groupingBy(stream -> stream.instance));
        String victim = before.entrySet().stream().max(Map.Entry.comparingByValue((x, y) -> x.size() - y.size())).orElseThrow().getKey();
        List<Stream> moved = before.get(victim);
        Map<Stream, Integer> connections = new ConcurrentHashMap<>();
        moved.forEach(stream -> connections.put(stream, stream.connections.get()));
        long asked = System.nanoTime();
        out.println("kill " + victim);
        out.flush();
        String answer = in.readLine();
        if (!"killed".equals(answer)) {
            throw new IllegalStateException("the bench did not kill " + victim + ": " + answer);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (moved.stream().anyMatch(stream -> !back(stream, connections, victim)) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        List<Long> backMillis = moved.stream().filter(stream -> back(stream, connections, victim))
                .map(stream -> TimeUnit.NANOSECONDS.toMillis(stream.instanceAt - asked)).sorted().toList();
        Thread.sleep(1000);
        poster.cancel(false);
        Thread.sleep(200); // the last post's answer
        long newest = posted.get();
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (streams.stream().anyMatch(stream -> stream.lastMovie < newest) && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        int gaps = streams.stream().mapToInt(stream -> stream.gaps.get()).sum();
        int twice = streams.stream().mapToInt(stream -> stream.twice.get()).sum();
        long behind = streams.stream().filter(stream -> stream.lastMovie < newest).count();
        long stopped = streams.stream().filter(stream -> stream.stopped).count();
        out.printf(Locale.ROOT, "result failover victim=%s moved=%d back=%d median_ms=%d all_back_ms=%d gaps=%d twice=%d behind=%d stopped=%d refused_posts=%d now=%s%n",
                victim, moved.size(), backMillis.size(), percentile(backMillis, 50),
                backMillis.isEmpty() ? -1 : backMillis.get(backMillis.size() - 1), gaps, twice, behind, stopped, refused.get(), byInstance());
        out.flush();
    }

    private static boolean back(Stream stream, Map<Stream, Integer> connections, String victim) {
        return stream.connections.get() > connections.get(stream) && !stream.instance.equals(victim) && !stream.instance.isEmpty();
    }

    // ---------------------------------------------------------------------------------------

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        if (!options.containsKey("--streams") || !options.containsKey("--post")) {
            throw new IllegalArgumentException("usage: --streams URL[,URL...] --post URL[,URL...] [--clients N] [--measure fanout,rate,failover]");
        }
        return options;
    }

    /** The URIs, each on this machine: a benchmark never loads anyone else's server. */
    private static List<URI> uris(String list) throws IOException {
        List<URI> uris = new ArrayList<>();
        for (String text : list.split(",")) {
            URI uri = URI.create(text);
            if (!InetAddress.getByName(uri.getHost()).isLoopbackAddress()) {
                throw new IllegalArgumentException("only servers on this machine (loopback), not " + uri);
            }
            uris.add(uri);
        }
        return uris;
    }
}
