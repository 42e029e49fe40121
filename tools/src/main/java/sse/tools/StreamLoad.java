package sse.tools;

import sse.tools.Tools.UsageException;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A load client for event streams: how many concurrent streams does a server hold, and does it
 * still answer other requests meanwhile?
 *
 * <p>It opens N streams at once with one {@link HttpClient}. That client needs no thread per
 * stream: one selector thread watches every connection and a few worker threads hand the bytes
 * to a small counter per stream. So the numbers measure the server, not this client.
 *
 * <p>Safety: it only talks to servers on this machine (the host must resolve to loopback
 * addresses only), and it caps N and T.
 */
final class StreamLoad {

    static final int DEFAULT_CLIENTS = 1000;
    static final int DEFAULT_SECONDS = 10;
    static final int MAX_CLIENTS = 20_000;
    static final int MAX_SECONDS = 300;

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    /** A stream "is receiving" if its last event came at most this long ago. */
    private static final Duration RECENT = Duration.ofSeconds(2);

    private StreamLoad() {
    }

    /** What {@code load} was asked to do; {@link #parse} checks the syntax, {@link #run} the rest. */
    record Options(URI url, int clients, int seconds, URI probe) {

        static Options parse(List<String> args) {
            URI url = null;
            URI probe = null;
            int clients = DEFAULT_CLIENTS;
            int seconds = DEFAULT_SECONDS;
            for (int i = 0; i < args.size(); i++) {
                String option = args.get(i);
                if (i + 1 == args.size()) {
                    throw new UsageException("load: " + option + " needs a value");
                }
                String value = args.get(++i);
                switch (option) {
                    case "--url":
                        url = uri(option, value);
                        break;
                    case "--probe":
                        probe = uri(option, value);
                        break;
                    case "--clients":
                        clients = positive(option, value);
                        break;
                    case "--seconds":
                        seconds = positive(option, value);
                        break;
                    default:
                        throw new UsageException("load: unknown option " + option
                                + " (known: --url, --clients, --seconds, --probe)");
                }
            }
            if (url == null) {
                throw new UsageException("load needs --url, e.g. --url http://localhost:7070/events");
            }
            return new Options(url, clients, seconds, probe == null ? url.resolve("/") : probe);
        }

        /** These options with N and T capped at {@link #MAX_CLIENTS} and {@link #MAX_SECONDS}. */
        Options capped() {
            return new Options(url, Math.min(clients, MAX_CLIENTS), Math.min(seconds, MAX_SECONDS), probe);
        }

        private static URI uri(String option, String value) {
            try {
                URI uri = new URI(value);
                if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                    throw new UsageException("load: " + option + " must be an http:// or https:// URL with a host, not " + value);
                }
                return uri;
            } catch (java.net.URISyntaxException e) {
                throw new UsageException("load: " + option + " is not a URL: " + e.getMessage());
            }
        }

        private static int positive(String option, String value) {
            try {
                int number = Integer.parseInt(value);
                if (number > 0) {
                    return number;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new UsageException("load: " + option + " must be a whole number above 0, not " + value);
        }
    }

    /** What the probe request at T/2 found. */
    record ProbeResult(URI url, boolean answered, int status, long millis, String problem) {

        static ProbeResult answered(URI url, int status, long millis) {
            return new ProbeResult(url, true, status, millis, null);
        }

        static ProbeResult notAnswered(URI url, String problem) {
            return new ProbeResult(url, false, 0, -1, problem);
        }

        String describe() {
            return answered ? "answered " + status + " in " + millis + " ms" : problem;
        }
    }

    /** The numbers at the end of a run, as printed in the summary table. */
    record Summary(URI url, int secondsHeld, int clientsAsked, int withHeaders, int receivedAnEvent,
                   int receivingAtEnd, int failed, Map<String, Integer> failureReasons,
                   long events, long bytes, ProbeResult probe, int clientThreads) {
    }

    /**
     * Refuses (with a {@link UsageException}) a URL whose host does not resolve to loopback
     * addresses only (127.0.0.0/8, ::1): this tool is for a server on your own machine.
     */
    static void requireLoopback(URI uri, String option) {
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(uri.getHost());
        } catch (UnknownHostException e) {
            throw new UsageException("load: refusing " + option + " " + uri + ": cannot resolve host " + uri.getHost());
        }
        List<String> elsewhere = Arrays.stream(addresses)
                .filter(address -> !address.isLoopbackAddress())
                .map(InetAddress::getHostAddress)
                .collect(Collectors.toList());
        if (!elsewhere.isEmpty()) {
            String where = elsewhere.equals(List.of(uri.getHost())) ? uri.getHost()
                    : uri.getHost() + " resolves to " + String.join(", ", elsewhere) + ", which";
            throw new UsageException("load: refusing " + option + " " + uri + ": " + where + " is not this machine;"
                    + " the load client only connects to loopback addresses (127.0.0.0/8, ::1),"
                    + " e.g. http://localhost:7070/events");
        }
    }

    /**
     * Holds the streams for T seconds, printing progress every second and a summary at the end,
     * then closes them. Returns at most about 3 s after T (when the probe, made at T/2, is still waiting).
     */
    static Summary run(Options asked, PrintStream out) {
        // Checked before anything connects.
        requireLoopback(asked.url(), "--url");
        requireLoopback(asked.probe(), "--probe");
        Options options = asked.capped();
        if (options.clients() < asked.clients()) {
            out.println("Asked for " + asked.clients() + " clients; capped at " + MAX_CLIENTS + ".");
        }
        if (options.seconds() < asked.seconds()) {
            out.println("Asked for " + asked.seconds() + " s; capped at " + MAX_SECONDS + " s.");
        }

        // A few daemon worker threads for all the streams (the client's default would grow a thread per busy stream).
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService workers = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), task -> {
            Thread thread = new Thread(task, "load-client-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .executor(workers)
                .build();
        List<Stream> streams = new ArrayList<>(options.clients());
        try {
            out.println("Opening " + options.clients() + " streams to " + options.url() + " for " + options.seconds() + " s ...");
            long start = System.nanoTime();
            HttpRequest request = HttpRequest.newBuilder(options.url()).header("Accept", "text/event-stream").GET().build();
            for (int i = 0; i < options.clients(); i++) {
                Stream stream = new Stream();
                streams.add(stream);
                stream.open(client, request);
            }

            // Halfway: can anyone else still get an answer from the server?
            long probeAt = TimeUnit.SECONDS.toNanos(options.seconds()) / 2;
            CompletableFuture<Void> halfway = CompletableFuture
                    .runAsync(() -> { }, CompletableFuture.delayedExecutor(probeAt, TimeUnit.NANOSECONDS, workers));
            CompletableFuture<ProbeResult> probe = halfway.thenCompose(ignored -> probe(client, options.probe()));

            Counts counts = Counts.of(streams);
            int held = 0;
            while (held < options.seconds()) {
                if (!sleepUntil(start + TimeUnit.SECONDS.toNanos(held + 1))) {
                    out.println("Interrupted; stopping.");
                    break;
                }
                held++;
                counts = Counts.of(streams);
                out.printf("t=%ds  streams with headers: %d/%d  receiving events: %d  failed: %d%n",
                        held, counts.withHeaders, options.clients(), counts.receivingNow, counts.failed);
                if (counts.failed == options.clients()) {
                    out.println("Every stream failed; stopping early. Is the server running at "
                            + options.url().resolve("/") + " ?");
                    break;
                }
            }
            int threadsWhileHolding = ManagementFactory.getThreadMXBean().getThreadCount();
            ProbeResult probeResult = halfway.isDone()
                    ? awaitProbe(probe, start + probeAt + PROBE_TIMEOUT.toNanos() + TimeUnit.MILLISECONDS.toNanos(500), options.probe())
                    : ProbeResult.notAnswered(options.probe(), "not made (stopped before halfway)");
            halfway.cancel(false);
            probe.cancel(true);

            Summary summary = new Summary(options.url(), held, options.clients(), counts.withHeaders,
                    counts.receivedAnEvent, counts.receivingNow, counts.failed, counts.failureReasons,
                    counts.events, counts.bytes, probeResult, threadsWhileHolding);
            print(summary, out);
            return summary;
        } finally {
            streams.forEach(Stream::close);
            workers.shutdown();
            out.println("Closed " + streams.size() + " streams.");
        }
    }

    /** One plain GET, timed; "no answer" if nothing comes within {@link #PROBE_TIMEOUT}. */
    private static CompletableFuture<ProbeResult> probe(HttpClient client, URI url) {
        long sent = System.nanoTime();
        HttpRequest request = HttpRequest.newBuilder(url).timeout(PROBE_TIMEOUT).GET().build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .handle((response, error) -> {
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
                    if (response != null) {
                        return ProbeResult.answered(url, response.statusCode(), millis);
                    }
                    Throwable cause = unwrap(error);
                    return cause instanceof HttpTimeoutException
                            ? ProbeResult.notAnswered(url, "no answer within " + PROBE_TIMEOUT.toSeconds() + " s")
                            : ProbeResult.notAnswered(url, "failed: " + reason(cause));
                });
    }

    /** The probe's result once it comes, or "no answer" if it has not come by {@code deadline}. */
    private static ProbeResult awaitProbe(CompletableFuture<ProbeResult> probe, long deadline, URI url) {
        try {
            return probe.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return ProbeResult.notAnswered(url, "no answer within " + PROBE_TIMEOUT.toSeconds() + " s");
        } catch (ExecutionException e) {
            return ProbeResult.notAnswered(url, "failed: " + reason(unwrap(e)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ProbeResult.notAnswered(url, "not made (interrupted)");
        }
    }

    private static void print(Summary s, PrintStream out) {
        out.println();
        out.println("Summary: " + s.clientsAsked() + " streams to " + s.url() + ", after " + s.secondsHeld() + " s");
        row(out, "clients asked", s.clientsAsked());
        row(out, "streams that got response headers (200)", s.withHeaders());
        row(out, "streams that received at least one event", s.receivedAnEvent());
        row(out, "streams still receiving (an event in the last " + RECENT.toSeconds() + " s)", s.receivingAtEnd());
        row(out, "failed", s.failed());
        s.failureReasons().forEach((reason, count) -> row(out, "  " + reason, count));
        row(out, "events received (all streams)", s.events());
        row(out, "bytes received (all streams)", s.bytes());
        row(out, "probe GET " + s.probe().url() + " halfway", s.probe().describe());
        row(out, "client JVM threads while holding", s.clientThreads());
    }

    private static void row(PrintStream out, String label, Object value) {
        out.printf("  %-56s %s%n", label, value);
    }

    /** Sleeps until {@code deadline} ({@link System#nanoTime()}); false if interrupted. */
    private static boolean sleepUntil(long deadline) {
        try {
            for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
                TimeUnit.NANOSECONDS.sleep(left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The streams' numbers at one moment. */
    private static final class Counts {
        int withHeaders;
        int receivedAnEvent;
        int receivingNow;
        int failed;
        long events;
        long bytes;
        final Map<String, Integer> failureReasons = new TreeMap<>();

        static Counts of(List<Stream> streams) {
            Counts counts = new Counts();
            long now = System.nanoTime();
            for (Stream stream : streams) {
                long lastEvent = stream.lastEventNanos;
                counts.withHeaders += stream.status == 200 ? 1 : 0;
                counts.receivedAnEvent += lastEvent != 0 ? 1 : 0;
                counts.receivingNow += lastEvent != 0 && now - lastEvent <= RECENT.toNanos() ? 1 : 0;
                counts.events += stream.events;
                counts.bytes += stream.bytes;
                String failure = stream.failure;
                if (failure != null) {
                    counts.failed++;
                    counts.failureReasons.merge(failure, 1, Integer::sum);
                }
            }
            return counts;
        }
    }

    /**
     * One stream: it receives the response body as byte buffers and only counts them. Fields are
     * volatile because the progress printer reads them; each has one writer (the client hands a
     * stream its buffers one call at a time).
     */
    private static final class Stream implements Flow.Subscriber<List<ByteBuffer>> {
        volatile int status;             // 0 until the response headers came
        volatile String failure;         // why the stream failed; null while it is fine
        volatile long bytes;
        volatile long events;
        volatile long lastEventNanos;    // 0: no event yet
        private volatile Flow.Subscription subscription;
        private volatile CompletableFuture<HttpResponse<Void>> response;
        private volatile boolean closing; // we are closing it: errors from now on are ours
        // Finds the events in the body, between buffers; comments (": keep-alive") are not events.
        private final SseScanner scanner = new SseScanner((type, id) -> {
            events++;
            lastEventNanos = System.nanoTime();
        });

        void open(HttpClient client, HttpRequest request) {
            try {
                response = client.sendAsync(request, info -> {
                    status = info.statusCode();
                    if (status != 200) {
                        fail("HTTP " + status);
                    }
                    return HttpResponse.BodySubscribers.fromSubscriber(this);
                });
                response.whenComplete((ignored, error) -> {
                    if (error != null) {
                        fail(reason(unwrap(error)));
                    }
                });
            } catch (RuntimeException e) {
                fail(reason(e));
            }
        }

        /** Cancels the request and the body, so the client closes the connection. */
        void close() {
            closing = true;
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
            CompletableFuture<HttpResponse<Void>> r = response;
            if (r != null) {
                r.cancel(true);
            }
        }

        private void fail(String reason) {
            if (failure == null && !closing) {
                failure = reason;
            }
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            if (closing) {
                subscription.cancel();
            } else {
                subscription.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                bytes += buffer.remaining();
                while (buffer.hasRemaining()) {
                    scanner.accept(buffer.get());
                }
            }
        }

        @Override
        public void onError(Throwable error) {
            fail(reason(unwrap(error)));
        }

        @Override
        public void onComplete() {
            fail("the server ended the stream");
        }
    }

    private static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** A short reason for a failure, the same for the same kind of failure, so they can be counted. */
    private static String reason(Throwable error) {
        String message = error.getMessage();
        String reason = error.getClass().getSimpleName()
                + (message == null || message.isBlank() ? "" : ": " + message.replaceAll("\\s+", " "));
        return reason.length() <= 80 ? reason : reason.substring(0, 77) + "...";
    }
}
