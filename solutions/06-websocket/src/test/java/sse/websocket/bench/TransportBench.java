package sse.websocket.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import sse.check.EventStreamParser;
import sse.websocket.WebSocketApp;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The same feed, four ways, measured: N clients per transport (short polling at a chosen interval,
 * long polling, SSE, WebSocket) on loopback for T seconds while movies are posted at R per second.
 * One transport at a time, against lesson 06's server in this JVM, each through its own
 * {@link ByteCountingRelay} so the bytes on the wire are counted exactly in both directions.
 *
 * <p>Run: {@code ./mvnw -q -pl solutions/06-websocket test-compile exec:java -Pbench -Dexec.args="--clients 20 --seconds 10 --rate 5 --poll-ms 1000"}
 */
public final class TransportBench {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What to run. */
    record Options(int clients, int seconds, int rate, int pollMillis) {
        static Options parse(String[] args) {
            int clients = 20;
            int seconds = 10;
            int rate = 5;
            int poll = 1000;
            for (int i = 0; i + 1 < args.length; i += 2) {
                int value = Integer.parseInt(args[i + 1]);
                switch (args[i]) {
                    case "--clients" -> clients = bounded("--clients", value, 1, 500);
                    case "--seconds" -> seconds = bounded("--seconds", value, 1, 120);
                    case "--rate" -> rate = bounded("--rate", value, 1, 100);
                    case "--poll-ms" -> poll = bounded("--poll-ms", value, 50, 60_000);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]
                            + "; options: --clients N --seconds T --rate R --poll-ms P");
                }
            }
            return new Options(clients, seconds, rate, poll);
        }

        private static int bounded(String option, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(option + " must be between " + min + " and " + max);
            }
            return value;
        }
    }

    /** One row of the table. */
    record Result(String transport, int clients, long requests, long connections, long bytesUp, long bytesDown,
                  int published, long delivered, long missed, long duplicates, double p50Millis, double p99Millis,
                  int busyThreadsMax, double busyThreadsMean) {
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        System.out.printf(Locale.ROOT, "%d clients per transport, %d s each, %d movies/s posted, short poll every %d ms%n",
                options.clients(), options.seconds(), options.rate(), options.pollMillis());
        System.out.printf(Locale.ROOT, "machine: %d cores, %s %s, %s %s; everything on loopback, server and clients in one JVM%n%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.version"), System.getProperty("os.name"), System.getProperty("os.arch"));
        long begun = System.nanoTime();
        List<Result> results = run(options);
        print(results);
        System.out.printf(Locale.ROOT, "%nmeasured in %.0f s%n", (System.nanoTime() - begun) / 1e9);
        // Javalin's async pool keeps idle threads for a minute, and exec:java would wait for them.
        System.exit(0);
    }

    /** Runs the four transports one after the other and returns their rows. */
    static List<Result> run(Options options) throws Exception {
        WebSocketApp lesson = new WebSocketApp(WebSocketApp.Options.defaults());
        Javalin app = lesson.create().start("127.0.0.1", 0);
        QueuedThreadPool pool = (QueuedThreadPool) app.jettyServer().server().getThreadPool();
        try {
            List<Result> results = new ArrayList<>();
            Thread.sleep(500);
            System.out.printf(Locale.ROOT, "idle server: %d Jetty threads, %d busy (the acceptor and selector)%n%n",
                    pool.getThreads(), pool.getBusyThreads());
            for (Transport transport : Transport.values()) {
                long begun = System.nanoTime();
                results.add(new Run(transport, options, app.port(), pool).measure());
                System.err.printf(Locale.ROOT, "%s measured in %.1f s%n", transport.label, (System.nanoTime() - begun) / 1e9);
            }
            return results;
        } finally {
            app.stop();
        }
    }

    static void print(List<Result> results) {
        System.out.println("| transport | clients | HTTP requests | TCP connections | bytes up | bytes down | movies | delivered | missed "
                + "| delay p50 | delay p99 | busy server threads: mean, max |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "| %s | %d | %d | %d | %,d | %,d | %d | %d | %s | %.1f ms | %.1f ms | %.1f, %d |%n",
                    r.transport(), r.clients(), r.requests(), r.connections(), r.bytesUp(), r.bytesDown(), r.published(),
                    r.delivered(), r.missed() + (r.duplicates() > 0 ? " (+" + r.duplicates() + " twice)" : ""),
                    r.p50Millis(), r.p99Millis(), r.busyThreadsMean(), r.busyThreadsMax());
        }
    }

    enum Transport {
        SHORT_POLL("short polling"), LONG_POLL("long polling"), SSE("SSE"), WEBSOCKET("WebSocket");

        final String label;

        Transport(String label) {
            this.label = label;
        }
    }

    /** One transport's measurement. */
    private static final class Run {
        private final Transport transport;
        private final Options options;
        private final int serverPort;
        private final QueuedThreadPool pool;
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "bench-timer");
            thread.setDaemon(true);
            return thread;
        });
        private final Map<String, Long> postedAt = new ConcurrentHashMap<>();
        private final ConcurrentLinkedQueue<Long> delaysNanos = new ConcurrentLinkedQueue<>();
        private final List<Set<String>> received = new ArrayList<>();
        private final AtomicLong duplicates = new AtomicLong();
        private final AtomicLong requests = new AtomicLong();
        private final AtomicInteger busyMax = new AtomicInteger();
        private final AtomicLong busySum = new AtomicLong();
        private final AtomicLong busySamples = new AtomicLong();
        private final List<Runnable> closers = Collections.synchronizedList(new ArrayList<>());
        private volatile boolean running = true;
        private ByteCountingRelay relay;

        Run(Transport transport, Options options, int serverPort, QueuedThreadPool pool) {
            this.transport = transport;
            this.options = options;
            this.serverPort = serverPort;
            this.pool = pool;
        }

        Result measure() throws Exception {
            relay = new ByteCountingRelay(serverPort);
            try {
                long lastId = latestId();
                for (int i = 0; i < options.clients(); i++) {
                    received.add(ConcurrentHashMap.newKeySet());
                    connect(i, lastId);
                }
                awaitConnected();
                timers.scheduleAtFixedRate(this::sampleThreads, 0, 20, TimeUnit.MILLISECONDS);
                int published = publish();
                // Give the slowest transport (a short poll) time to fetch what was posted last.
                Thread.sleep(Math.max(1000, 2L * options.pollMillis()));
                running = false;
                closers.forEach(Runnable::run);
                return result(published);
            } finally {
                running = false;
                timers.shutdownNow();
                relay.close();
            }
        }

        /** Jetty's busy threads now: those running a request, plus the acceptor and selector that always are. */
        private void sampleThreads() {
            int busy = pool.getBusyThreads();
            busyMax.accumulateAndGet(busy, Math::max);
            busySum.addAndGet(busy);
            busySamples.incrementAndGet();
        }

        private URI relayed(String path) {
            return URI.create((transport == Transport.WEBSOCKET ? "ws" : "http") + "://127.0.0.1:" + relay.port() + path);
        }

        private long latestId() throws IOException, InterruptedException {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + serverPort + "/movies?after=0")).build(), HttpResponse.BodyHandlers.ofString());
            long last = 0;
            for (JsonNode movie : JSON.readTree(response.body())) {
                last = Math.max(last, movie.path("id").asLong());
            }
            return last;
        }

        private void connect(int client, long lastId) {
            switch (transport) {
                case SHORT_POLL -> shortPoll(client, lastId);
                case LONG_POLL -> longPoll(client, lastId);
                case SSE -> sse(client);
                case WEBSOCKET -> webSocket(client);
            }
        }

        /** Every poll interval, ask for what is newer than the last id seen. */
        private void shortPoll(int client, long after) {
            if (!running) {
                return;
            }
            requests.incrementAndGet();
            http.sendAsync(HttpRequest.newBuilder(relayed("/movies?after=" + after)).build(), HttpResponse.BodyHandlers.ofString())
                    .whenComplete((response, error) -> {
                        long last = error == null ? movies(client, response.body(), after) : after;
                        if (running) {
                            timers.schedule(() -> shortPoll(client, last), options.pollMillis(), TimeUnit.MILLISECONDS);
                        }
                    });
        }

        /** Ask again as soon as an answer comes: the server holds the request until there is news. */
        private void longPoll(int client, long after) {
            if (!running) {
                return;
            }
            requests.incrementAndGet();
            CompletableFuture<HttpResponse<String>> poll = http.sendAsync(
                    HttpRequest.newBuilder(relayed("/movies/wait?after=" + after)).build(), HttpResponse.BodyHandlers.ofString());
            closers.add(() -> poll.cancel(true));
            poll.whenComplete((response, error) -> {
                if (error != null) {
                    if (running) {
                        timers.schedule(() -> longPoll(client, after), 100, TimeUnit.MILLISECONDS);
                    }
                    return;
                }
                longPoll(client, movies(client, response.body(), after));
            });
        }

        private void sse(int client) {
            requests.incrementAndGet();
            EventStreamParser parser = new EventStreamParser(event -> {
                if (event.type().equals("movie")) {
                    movie(client, read(event.data()));
                }
            });
            HttpRequest request = HttpRequest.newBuilder(relayed("/events")).header("Accept", "text/event-stream").build();
            CompletableFuture<HttpResponse<Void>> stream = http.sendAsync(request,
                    HttpResponse.BodyHandlers.fromSubscriber(new Flow.Subscriber<List<ByteBuffer>>() {
                        private Flow.Subscription subscription;

                        @Override
                        public void onSubscribe(Flow.Subscription subscription) {
                            this.subscription = subscription;
                            closers.add(subscription::cancel);
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
                        public void onError(Throwable throwable) {
                        }

                        @Override
                        public void onComplete() {
                        }
                    }));
            closers.add(() -> stream.cancel(true));
        }

        private void webSocket(int client) {
            requests.incrementAndGet(); // the upgrade request
            StringBuilder partial = new StringBuilder();
            WebSocket socket = http.newWebSocketBuilder().buildAsync(relayed("/ws"), new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                    partial.append(data);
                    if (last) {
                        JsonNode message = read(partial.toString());
                        partial.setLength(0);
                        if (message.path("type").asText().equals("movie")) {
                            movie(client, message);
                        }
                    }
                    webSocket.request(1);
                    return null;
                }
            }).join();
            closers.add(() -> socket.abort());
        }

        /** Records every movie in a JSON array; returns the highest id seen. */
        private long movies(int client, String body, long after) {
            long last = after;
            for (JsonNode movie : read(body)) {
                movie(client, movie);
                last = Math.max(last, movie.path("id").asLong());
            }
            return last;
        }

        private void movie(int client, JsonNode movie) {
            long now = System.nanoTime();
            String title = movie.path("title").asText();
            Long posted = postedAt.get(title);
            if (posted == null) {
                return; // posted before this run
            }
            if (received.get(client).add(title)) {
                delaysNanos.add(now - posted);
            } else {
                duplicates.incrementAndGet();
            }
        }

        /** Waits until the server counts every streaming client (polls need no wait). */
        private void awaitConnected() throws InterruptedException {
            if (transport == Transport.SSE || transport == Transport.WEBSOCKET) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                String counted = transport == Transport.SSE ? "clients" : "sockets";
                while (onServer(counted) < options.clients() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            } else {
                Thread.sleep(200);
            }
        }

        /** A number from the server's {@code GET /stats}: "clients" (streams) or "sockets". */
        private int onServer(String field) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + serverPort + "/stats")).build(), HttpResponse.BodyHandlers.ofString());
                return read(response.body()).path(field).asInt();
            } catch (IOException e) {
                return 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 0;
            }
        }

        /** Posts R movies a second for T seconds, straight to the server (not through the relay). */
        private int publish() throws Exception {
            int total = options.seconds() * options.rate();
            long every = TimeUnit.SECONDS.toNanos(1) / options.rate();
            long start = System.nanoTime();
            for (int k = 0; k < total; k++) {
                long due = start + k * every;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                String title = "bench " + transport.name() + " " + k;
                postedAt.put(title, System.nanoTime());
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + serverPort + "/movies"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"" + title + "\",\"year\":2000}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 201) {
                    throw new IllegalStateException("POST /movies answered " + response.statusCode() + ": " + response.body());
                }
            }
            return total;
        }

        private Result result(int published) {
            List<Long> delays = new ArrayList<>(delaysNanos);
            Collections.sort(delays);
            long delivered = received.stream().mapToLong(Set::size).sum();
            long missed = (long) published * options.clients() - delivered;
            return new Result(transport.label, options.clients(), requests.get(), relay.connections(), relay.bytesUp(),
                    relay.bytesDown(), published, delivered, missed, duplicates.get(),
                    percentile(delays, 0.50), percentile(delays, 0.99), busyMax.get(),
                    busySamples.get() == 0 ? Double.NaN : (double) busySum.get() / busySamples.get());
        }

        private static double percentile(List<Long> sorted, double p) {
            if (sorted.isEmpty()) {
                return Double.NaN;
            }
            int index = (int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1);
            return sorted.get(Math.max(0, index)) / 1_000_000.0;
        }

        private static JsonNode read(String json) {
            try {
                return JSON.readTree(json);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON: " + json, e);
            }
        }
    }
}
