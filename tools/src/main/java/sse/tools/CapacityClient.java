package sse.tools;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The load client of {@code capacity}, run in a JVM of its own so that what it measures is the server,
 * not a process that shares its cores and heap with it. {@link Capacity} starts it and drives it: one
 * command a line on standard input, one JSON object a line on standard output for each.
 *
 * <p>It holds its streams without a thread each: a few selector threads own plain non-blocking sockets,
 * send the {@code GET /events} a browser sends, and read the chunked {@code text/event-stream} with
 * {@link SseScanner}. Every {@code movie} event's arrival is stamped with {@link System#nanoTime()} in
 * this process, which also sends the {@code POST}s, so "sent" and "arrived" are read from one clock.
 *
 * <p>Commands (numbers are whole; every wait has a timeout):
 * <pre>
 * open N [stalled] [T]       open N streams at once; answer when each has its 200 and the first bytes
 *                            of its body (the server has it in its registry), or failed,
 *                            or after T seconds (default 60)
 * fanout E PAUSE_MS          post E movies one after another, each once every open stream has the one before
 * posts P                    post P movies as fast as they are answered, but at most 100 ahead of the
 *                            reading streams (the slow-client run); each title is about 150 characters long,
 *                            so that a client that never reads fills up sooner
 * arm                        from now on a stream that ends reconnects after its retry, like EventSource
 * awaitback TIMEOUT_S        wait until every armed stream has dropped and come back
 * warm N                     open N streams 50 at a time, post 5 movies to them, close them (a warm-up)
 * closeall                   close every stream
 * quit                       close everything and exit
 * </pre>
 * It only connects to a loopback address and exits by itself after {@code --max-seconds}, or when its
 * standard input closes (the process that drives it has gone).
 */
final class CapacityClient {

    /** The wait before a reconnect when the server has sent no {@code retry:} (the spec leaves it to the browser: a few seconds). */
    static final long DEFAULT_RETRY_MS = 3000;
    private static final Duration POST_TIMEOUT = Duration.ofSeconds(60);
    private static final long EVENT_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** In the slow-client run, at most this many movies are posted ahead of the slowest reader. */
    private static final int WINDOW = 100;
    /** Makes a posted title about 150 characters long. */
    private static final String LONG_TITLE = ": " + "a long title to fill the buffers of a client that never reads ".repeat(2);
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*(\\d+)");

    private final InetSocketAddress server;
    private final byte[] request;
    private final byte[] reconnectRequestHead;
    private final Loop[] loops;
    private final HttpClient http;
    private final URI movies;
    private final List<Conn> conns = new ArrayList<>(); // guarded by the command thread only
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();
    /** What the movies being posted now are: read by the selector threads when one arrives. */
    private volatile Measure measure;
    // The storm: when the first armed stream dropped, and how many have come back since.
    private final AtomicLong firstDropNanos = new AtomicLong();
    private final AtomicLong lastBackNanos = new AtomicLong();

    CapacityClient(int port, int selectors) throws IOException {
        this.server = new InetSocketAddress("127.0.0.1", port);
        // Movies only: lesson 08's stats topic would add a broadcast every 5 s that the others do not
        // have (they ignore the parameter).
        String head = "GET /events?topics=movies HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAccept: text/event-stream\r\n"
                + "Cache-Control: no-cache\r\n";
        this.request = (head + "\r\n").getBytes(StandardCharsets.US_ASCII);
        this.reconnectRequestHead = head.getBytes(StandardCharsets.US_ASCII);
        this.loops = new Loop[selectors];
        for (int i = 0; i < selectors; i++) {
            loops[i] = new Loop(i);
            loops[i].start();
        }
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        this.movies = URI.create("http://127.0.0.1:" + port + "/movies");
    }

    public static void main(String[] args) throws IOException {
        int port = -1;
        int maxSeconds = 600;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--max-seconds" -> maxSeconds = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (port <= 0) {
            throw new IllegalArgumentException("--port is needed");
        }
        // Whatever happens to the process that drives it, this one ends.
        int lifetime = maxSeconds;
        Thread watchdog = new Thread(() -> {
            sleepMillis(TimeUnit.SECONDS.toMillis(lifetime));
            System.err.println("capacity client: " + lifetime + " s are up; exiting");
            Runtime.getRuntime().halt(3);
        }, "watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        CapacityClient client = new CapacityClient(port, Math.max(2, Runtime.getRuntime().availableProcessors()));
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        out.println(FlatJson.of("ready", true, "maxFiles", maxOpenFiles(), "pid", ProcessHandle.current().pid()));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            List<String> words = Arrays.asList(line.trim().split("\\s+"));
            if (words.get(0).equals("quit")) {
                break;
            }
            try {
                out.println(client.run(words));
            } catch (RuntimeException e) {
                e.printStackTrace();
                out.println(FlatJson.of("error", String.valueOf(e)));
            }
        }
        client.closeAll();
        Runtime.getRuntime().halt(0); // the selector threads are not daemons: leave now
    }

    private String run(List<String> words) {
        return switch (words.get(0)) {
            case "open" -> open(Integer.parseInt(words.get(1)), words.contains("stalled"),
                    words.size() > 2 && words.get(words.size() - 1).matches("\\d+") ? Long.parseLong(words.get(words.size() - 1)) : 60);
            case "fanout" -> fanOut(Integer.parseInt(words.get(1)), Long.parseLong(words.get(2)));
            case "posts" -> posts(Integer.parseInt(words.get(1)));
            case "arm" -> arm();
            case "awaitback" -> awaitBack(Long.parseLong(words.get(1)));
            case "warm" -> warm(Integer.parseInt(words.get(1)));
            case "closeall" -> FlatJson.of("closed", closeAll());
            default -> throw new IllegalArgumentException("unknown command " + words);
        };
    }

    // ---------------------------------------------------------------- commands

    /** Opens N streams at once, spread over the selector threads, and waits until each has begun its body. */
    private String open(int n, boolean stalled, long timeoutSeconds) {
        failures.clear();
        List<Conn> opened = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Conn conn = new Conn(loops[(conns.size() + i) % loops.length], stalled);
            opened.add(conn);
        }
        conns.addAll(opened);
        long start = System.nanoTime();
        for (Loop loop : loops) {
            List<Conn> mine = opened.stream().filter(c -> c.loop == loop).toList();
            loop.execute(() -> mine.forEach(Conn::connect));
        }
        long deadline = start + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline && opened.stream().anyMatch(c -> !c.settled())) {
            sleepMillis(5);
        }
        long[] millis = opened.stream().filter(c -> c.openedNanos != 0)
                .mapToLong(c -> c.openedNanos - start).sorted().toArray();
        int failed = (int) opened.stream().filter(c -> c.failure != null).count();
        return FlatJson.of("asked", n, "connected", millis.length, "failed", failed,
                "pending", n - millis.length - failed,
                "allMs", millis.length == n ? ms(millis[n - 1]) : -1,
                "medianMs", millis.length == 0 ? -1 : ms(millis[millis.length / 2]),
                "reasons", String.valueOf(new TreeMap<>(failures)));
    }

    /**
     * The same work as a measured run, small and gentle: N streams opened 50 at a time (so that even a
     * server with a short accept queue takes them at once), 5 movies, then every stream closed.
     */
    private String warm(int n) {
        for (int opened = 0; opened < n; opened += 50) {
            open(Math.min(50, n - opened), false, 10);
        }
        String fanOut = fanOut(5, 20);
        closeAll();
        return fanOut;
    }

    /**
     * Posts E movies, each after the one before has reached every open stream (or 10 s have passed),
     * and reports for each the time from sending it to the last stream receiving it.
     */
    private String fanOut(int events, long pauseMillis) {
        List<Conn> readers = readers();
        Measure m = new Measure(events);
        measure = m;
        long[] last = new long[events];
        long[] post = new long[events];
        int allReached = 0;
        for (int k = 0; k < events; k++) {
            post[k] = post(m, k, "");
            long deadline = System.nanoTime() + EVENT_TIMEOUT_NANOS;
            while (m.count.get(k) < readers.size() && System.nanoTime() < deadline) {
                sleepMillis(1);
            }
            allReached += m.count.get(k) >= readers.size() ? 1 : 0;
            last[k] = m.count.get(k) == 0 ? -1 : m.lastArrival.get(k) - m.sent.get(k);
            sleepMillis(pauseMillis);
        }
        measure = null;
        long[] sorted = Arrays.stream(last).filter(v -> v >= 0).sorted().toArray();
        return FlatJson.of("events", events, "streams", readers.size(), "reachedAll", allReached,
                "medianMs", percentileMs(sorted, 50), "p99Ms", percentileMs(sorted, 99),
                "maxMs", sorted.length == 0 ? -1 : ms(sorted[sorted.length - 1]),
                "postMedianMs", percentileMs(Arrays.stream(post).sorted().toArray(), 50));
    }

    /**
     * Posts P movies back to back. Reports the slowest POST, the longest any reading stream waited for
     * a movie, and whether the stalled stream (if any) was cut off by the server.
     */
    private String posts(int posts) {
        List<Conn> readers = readers();
        List<Conn> stalled = conns.stream().filter(c -> c.stalled && c.open()).toList();
        Map<Conn, Long> moviesBefore = new java.util.HashMap<>();
        stalled.forEach(c -> moviesBefore.put(c, c.movies));
        long stalledBefore = stalled.stream().mapToLong(c -> c.movies).sum();
        Measure m = new Measure(posts);
        measure = m;
        long slowestPost = 0;
        for (int k = 0; k < posts; k++) {
            if (k >= WINDOW) {
                // A feed, not a flood: at most WINDOW movies on their way to the readers at once.
                long deadline = System.nanoTime() + EVENT_TIMEOUT_NANOS;
                while (m.count.get(k - WINDOW) < readers.stream().filter(Conn::open).count()
                        && System.nanoTime() < deadline) {
                    java.util.concurrent.locks.LockSupport.parkNanos(50_000);
                }
            }
            slowestPost = Math.max(slowestPost, post(m, k, LONG_TITLE));
        }
        long deadline = System.nanoTime() + EVENT_TIMEOUT_NANOS;
        while (m.count.get(posts - 1) < readers.size() && System.nanoTime() < deadline) {
            sleepMillis(1);
        }
        measure = null;
        long slowestDelivery = 0;
        long delivered = 0;
        for (int k = 0; k < posts; k++) {
            delivered += m.count.get(k);
            if (m.count.get(k) > 0) {
                slowestDelivery = Math.max(slowestDelivery, m.lastArrival.get(k) - m.sent.get(k));
            }
        }
        // Did the server cut the stalled stream off? Read it now: what is buffered, then its end (or not).
        int cut = 0;
        long stalledMovies = 0;
        for (Conn conn : stalled) {
            conn.loop.execute(conn::resumeReading);
        }
        long readUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < readUntil && stalled.stream().anyMatch(Conn::open)
                && stalled.stream().mapToLong(c -> c.movies).sum() - stalledBefore < (long) posts * stalled.size()) {
            sleepMillis(10);
        }
        int stillOpen = 0;
        for (Conn conn : stalled) {
            // Cut off: the server ended the stream, or stopped sending to it (all it had was read by now).
            long received = conn.movies - moviesBefore.get(conn);
            cut += !conn.open() || received < posts ? 1 : 0;
            stillOpen += conn.open() ? 1 : 0;
            stalledMovies += received;
        }
        return FlatJson.of("posts", posts, "readers", readers.size(), "stalled", stalled.size(),
                "readersLost", readers.stream().filter(c -> !c.open()).count(),
                "postMaxMs", ms(slowestPost), "delayMaxMs", ms(slowestDelivery),
                "delivered", delivered, "expected", (long) posts * readers.size(),
                "stalledCutOff", cut, "stalledOpen", stillOpen, "stalledMovies", stalledMovies);
    }

    /** Makes every open stream behave as an EventSource: when it ends, it comes back after its retry. */
    private String arm() {
        firstDropNanos.set(0);
        lastBackNanos.set(0);
        int armed = 0;
        for (Conn conn : conns) {
            if (conn.open()) {
                conn.armed = true;
                conn.back = false;
                armed++;
            }
        }
        return FlatJson.of("armed", armed);
    }

    /** Waits until every armed stream has dropped and come back, and says how long that took. */
    private String awaitBack(long timeoutSeconds) {
        List<Conn> armed = conns.stream().filter(c -> c.armed).toList();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline && armed.stream().anyMatch(c -> !c.back && c.failure == null)) {
            sleepMillis(10);
        }
        int back = (int) armed.stream().filter(c -> c.back).count();
        long[] retries = armed.stream().mapToLong(c -> c.retryMillis).sorted().toArray();
        long first = firstDropNanos.get();
        for (Conn conn : armed) {
            conn.armed = false;
        }
        return FlatJson.of("armed", armed.size(), "back", back,
                "failed", armed.stream().filter(c -> c.failure != null).count(),
                "allBackMs", back == armed.size() && first != 0 ? ms(lastBackNanos.get() - first) : -1,
                "attempts", armed.stream().mapToInt(c -> c.attempts).sum(),
                "retryMinMs", retries.length == 0 ? -1 : retries[0],
                "retryMaxMs", retries.length == 0 ? -1 : retries[retries.length - 1],
                "reasons", String.valueOf(new TreeMap<>(failures)));
    }

    private int closeAll() {
        int closed = 0;
        for (Conn conn : conns) {
            conn.armed = false;
            conn.discarded = true; // a reconnect already scheduled must not open it again
            conn.loop.execute(conn::close);
            closed++;
        }
        conns.clear();
        sleepMillis(200); // let the selector threads close them
        return closed;
    }

    /** The open streams that read: every one a movie should reach. */
    private List<Conn> readers() {
        return conns.stream().filter(c -> !c.stalled && c.open() && c.openedNanos != 0).toList();
    }

    /** Sends movie k of this measure and waits for the answer; returns how long the POST took, in ns. */
    private long post(Measure m, int k, String titleEnd) {
        String body = "{\"title\":\"Capacity run, movie " + k + titleEnd + "\",\"year\":" + (1900 + k % 200) + "}";
        HttpRequest request = HttpRequest.newBuilder(movies).timeout(POST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        long sent = System.nanoTime();
        m.sent.set(k, sent);
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            long took = System.nanoTime() - sent;
            Matcher id = ID.matcher(response.body());
            if (response.statusCode() != 201 || !id.find()) {
                throw new IllegalStateException("POST /movies answered " + response.statusCode() + ": " + response.body());
            }
            if (k == 0) {
                m.firstId = Long.parseLong(id.group(1));
            }
            return took;
        } catch (IOException e) {
            throw new IllegalStateException("POST /movies failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    // ---------------------------------------------------------------- measuring

    /**
     * The movies of one run: when each was sent, when it last arrived and at how many streams. Movie k
     * has id firstId + k: this client is the only one posting, one POST at a time.
     */
    private static final class Measure {
        final AtomicLongArray sent;
        final AtomicLongArray lastArrival;
        final AtomicIntegerArray count;
        volatile long firstId = -1; // unknown until the first POST is answered: until then only movie 0 is out

        Measure(int events) {
            sent = new AtomicLongArray(events);
            lastArrival = new AtomicLongArray(events);
            count = new AtomicIntegerArray(events);
        }

        void arrived(long id, long now) {
            long first = firstId;
            long k = first < 0 ? 0 : id - first;
            if (k < 0 || k >= count.length() || sent.get((int) k) == 0) {
                return; // a movie of another run (a replay after a reconnect, the warm-up)
            }
            count.incrementAndGet((int) k);
            lastArrival.accumulateAndGet((int) k, now, Math::max);
        }
    }

    private void arrived(String lastEventId, long now) {
        Measure m = measure;
        if (m != null && lastEventId != null) {
            try {
                m.arrived(Long.parseLong(lastEventId), now);
            } catch (NumberFormatException notOurs) {
                // an id this client did not cause
            }
        }
    }

    // ---------------------------------------------------------------- the streams

    /** One selector thread and the streams it owns. Tasks from other threads come through {@link #execute}. */
    private final class Loop extends Thread {
        final Selector selector;
        final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        final PriorityQueue<Timer> timers = new PriorityQueue<>();
        long timerSequence;
        final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);

        Loop(int number) throws IOException {
            super("capacity-selector-" + number);
            selector = Selector.open();
        }

        void execute(Runnable task) {
            tasks.add(task);
            selector.wakeup();
        }

        /** Runs {@code task} on this thread at {@code when} ({@link System#nanoTime()}); call on this thread. */
        void schedule(long when, Runnable task) {
            timers.add(new Timer(when, timerSequence++, task));
        }

        @Override
        public void run() {
            while (true) {
                try {
                    long wait = 0;
                    Timer next = timers.peek();
                    if (next != null) {
                        wait = Math.max(1, TimeUnit.NANOSECONDS.toMillis(next.when() - System.nanoTime()));
                    }
                    selector.select(wait);
                    for (Runnable task; (task = tasks.poll()) != null; ) {
                        task.run();
                    }
                    long now = System.nanoTime();
                    while (timers.peek() != null && timers.peek().when() <= now) {
                        timers.poll().task().run();
                    }
                    for (SelectionKey key : selector.selectedKeys()) {
                        handle(key);
                    }
                    selector.selectedKeys().clear();
                } catch (IOException | RuntimeException e) {
                    e.printStackTrace();
                }
            }
        }
    }

    /** A task for a selector thread at a time ({@link System#nanoTime()}); the sequence keeps equal times in order. */
    private record Timer(long when, long sequence, Runnable task) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer other) {
            return when != other.when ? Long.compare(when, other.when) : Long.compare(sequence, other.sequence);
        }
    }

    private static void handle(SelectionKey key) {
        Conn conn = (Conn) key.attachment();
        try {
            if (!key.isValid()) {
                return;
            }
            if (key.isConnectable()) {
                conn.finishConnect();
            } else if (key.isReadable()) {
                conn.read(((Loop) Thread.currentThread()).buffer);
            } else if (key.isWritable()) {
                conn.writeRequest();
            }
        } catch (java.nio.channels.CancelledKeyException closedMeanwhile) {
            // the stream was closed while its event waited: nothing to do
        }
    }

    /** Where a stream's response is: headers, then chunked body (chunk size line, chunk data, its CRLF). */
    private enum Phase { CONNECTING, HEADERS, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, RAW_BODY, CLOSED }

    /**
     * One stream: its socket, where its response is, and what it has received. Touched only by its
     * loop's thread, except the volatile fields the command thread reads.
     */
    private final class Conn implements SseScanner.Listener {
        final Loop loop;
        final boolean stalled;
        private SocketChannel channel;
        private SelectionKey key;
        private Phase phase = Phase.CLOSED;
        private ByteBuffer pendingRequest;
        private StringBuilder headers;     // the response head while it comes; null after it
        private long chunkLeft;
        private boolean inChunkExtension;
        private boolean receiving;        // the body of this response has begun
        private final SseScanner scanner = new SseScanner(this);
        volatile long openedNanos;   // 0 until the first response's 200 headers and first body bytes came
        volatile String failure;      // why it could not be opened; null otherwise
        volatile boolean armed;       // reconnects when it ends, as EventSource does
        volatile boolean back;        // armed, dropped, and connected again
        volatile long retryMillis = DEFAULT_RETRY_MS;
        volatile long movies;
        volatile int attempts;
        volatile boolean discarded;   // closed by closeall: never to be opened again
        private volatile boolean openNow;    // connecting or connected, not ended
        private volatile boolean settledNow; // connected with a 200, or failed

        Conn(Loop loop, boolean stalled) {
            this.loop = loop;
            this.stalled = stalled;
        }

        boolean open() {
            return openNow;
        }

        /** Connected (a 200 and the body begun) or failed: {@code open} has nothing more to wait for. */
        boolean settled() {
            return settledNow;
        }

        /** Opens the connection and sends the request; a reconnect sends the last id it read, as a browser does. */
        void connect() {
            if (discarded) {
                return;
            }
            attempts++;
            openNow = true;
            phase = Phase.CONNECTING;
            headers = new StringBuilder(256);
            String lastId = scanner.lastEventId();
            pendingRequest = ByteBuffer.wrap(lastId == null ? request : reconnectRequest(lastId));
            try {
                channel = SocketChannel.open();
                channel.configureBlocking(false);
                if (channel.connect(server)) {
                    key = channel.register(loop.selector, 0, this);
                    writeRequest();
                } else {
                    key = channel.register(loop.selector, SelectionKey.OP_CONNECT, this);
                }
            } catch (IOException e) {
                ended(reason(e));
            }
        }

        private byte[] reconnectRequest(String lastId) {
            byte[] header = ("Last-Event-ID: " + lastId + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
            byte[] all = Arrays.copyOf(reconnectRequestHead, reconnectRequestHead.length + header.length);
            System.arraycopy(header, 0, all, reconnectRequestHead.length, header.length);
            return all;
        }

        void finishConnect() {
            try {
                channel.finishConnect();
                writeRequest();
            } catch (IOException e) {
                ended(reason(e));
            }
        }

        void writeRequest() {
            try {
                channel.write(pendingRequest);
                if (pendingRequest.hasRemaining()) {
                    key.interestOps(SelectionKey.OP_WRITE);
                } else {
                    phase = Phase.HEADERS;
                    key.interestOps(SelectionKey.OP_READ);
                }
            } catch (IOException e) {
                ended(reason(e));
            }
        }

        /** A stalled stream starts reading again: what the server buffered, then maybe its end. */
        void resumeReading() {
            if (phase != Phase.CLOSED && key.isValid()) {
                key.interestOps(SelectionKey.OP_READ);
            }
        }

        void read(ByteBuffer buffer) {
            try {
                while (phase != Phase.CLOSED && (key.interestOps() & SelectionKey.OP_READ) != 0) {
                    buffer.clear();
                    int n = channel.read(buffer);
                    if (n < 0) {
                        ended("the server ended the stream");
                        return;
                    }
                    if (n == 0) {
                        return;
                    }
                    buffer.flip();
                    long now = System.nanoTime();
                    while (buffer.hasRemaining() && phase != Phase.CLOSED) {
                        take(buffer.get(), now);
                    }
                }
            } catch (IOException e) {
                ended(reason(e));
            }
        }

        /** One byte of the response: the head, then the chunked body's framing around the event stream. */
        private void take(byte b, long now) {
            switch (phase) {
                case HEADERS -> {
                    headers.append((char) b);
                    int length = headers.length();
                    if (length >= 4 && b == '\n' && headers.charAt(length - 2) == '\r'
                            && headers.charAt(length - 3) == '\n' && headers.charAt(length - 4) == '\r') {
                        headersDone();
                    } else if (length > 8192) {
                        fail("response headers longer than 8 KB");
                    }
                }
                case CHUNK_SIZE -> {
                    if (b == '\n') {
                        inChunkExtension = false;
                        if (chunkLeft == 0) {
                            ended("the server ended the stream"); // the last chunk
                        } else {
                            phase = Phase.CHUNK_DATA;
                        }
                    } else if (b == ';') {
                        inChunkExtension = true;
                    } else if (!inChunkExtension && b != '\r') {
                        int digit = Character.digit(b, 16);
                        if (digit < 0) {
                            ended("a chunk size that is not hexadecimal");
                        } else {
                            chunkLeft = chunkLeft * 16 + digit;
                        }
                    }
                }
                case CHUNK_DATA -> {
                    if (!receiving) {
                        receiving(now);
                    }
                    scanner.accept(b);
                    if (--chunkLeft == 0) {
                        phase = Phase.CHUNK_END;
                    }
                }
                case CHUNK_END -> {
                    if (b == '\n') { // the CRLF after a chunk's data
                        phase = Phase.CHUNK_SIZE;
                    }
                }
                case RAW_BODY -> {
                    if (!receiving) {
                        receiving(now);
                    }
                    scanner.accept(b);
                }
                default -> {
                    // CONNECTING, CLOSED: nothing to read
                }
            }
        }

        private void headersDone() {
            String head = headers.toString();
            headers = null;
            int status = parseStatus(head);
            if (status != 200) {
                fail(status < 0 ? "no HTTP status line" : "HTTP " + status);
                return;
            }
            phase = head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked") ? Phase.CHUNK_SIZE : Phase.RAW_BODY;
            chunkLeft = 0;
            receiving = false;
        }

        /**
         * The first byte of the stream's body: the server has written to it, so it has registered it (a
         * server may send the headers first: lesson 04's does, before the client is in its registry).
         */
        private void receiving(long now) {
            receiving = true;
            if (openedNanos == 0) {
                openedNanos = now;
            }
            if (armed) {
                back = true;
                lastBackNanos.accumulateAndGet(now, Math::max);
            }
            settledNow = true;
            if (stalled) {
                key.interestOps(0); // never read again (until resumeReading): the server's writes pile up
            }
        }

        private int parseStatus(String head) {
            try {
                return head.startsWith("HTTP/1.") && head.length() >= 12 ? Integer.parseInt(head.substring(9, 12)) : -1;
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        @Override
        public void onEvent(String type, String lastEventId) {
            if (type.equals("movie")) {
                movies++;
                arrived(lastEventId, System.nanoTime());
            }
        }

        @Override
        public void onRetry(long millis) {
            retryMillis = millis;
        }

        /** An answer that is not a stream: a browser's EventSource gives up too (no reconnect). */
        private void fail(String why) {
            failure = why;
            failures.merge(why, 1, Integer::sum);
            close();
            settledNow = true;
        }

        /** The stream ended or could not be opened; an armed one comes back after its retry, as EventSource does. */
        private void ended(String why) {
            close();
            if (armed) {
                firstDropNanos.compareAndSet(0, System.nanoTime());
                back = false;
                loop.schedule(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(retryMillis), this::connect);
                return;
            }
            if (openedNanos == 0 && failure == null) {
                failure = why;
                failures.merge(why, 1, Integer::sum);
            }
            settledNow = true;
        }

        void close() {
            phase = Phase.CLOSED;
            openNow = false;
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    // ---------------------------------------------------------------- small helpers

    private static String reason(IOException e) {
        if (e instanceof ClosedChannelException) {
            return "closed";
        }
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    /** The nearest-rank percentile of sorted nanoseconds, in ms; -1 for none. */
    static long percentileMs(long[] sorted, int percentile) {
        if (sorted.length == 0) {
            return -1;
        }
        int rank = (int) Math.ceil(percentile / 100.0 * sorted.length);
        return ms(sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))]);
    }

    static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** This process's limit of open files, or -1 where the platform does not say. */
    static long maxOpenFiles() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        return -1;
    }
}
