package sse.check;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One open {@code text/event-stream} over real HTTP, as the tests see it: the status and
 * headers, the exact bytes, and the events parsed by {@link EventStreamParser}.
 * Every wait is bounded; a failure says what arrived so far and what to look at.
 *
 * <p>HTTP/1.1 over a plain socket of its own (loopback only), not the JDK's {@code HttpClient}:
 * {@link #close()} must drop the connection at once, as a closed tab does, and on newer JDKs the
 * client's close of a body being read can leave the socket half-closed for up to three seconds
 * (its selector closes it on its next wake-up), so the server goes on writing to a client that left.
 */
public final class EventStream implements AutoCloseable {

    /** How long to wait for the connection and the response headers. */
    public static final Duration HEADERS_TIMEOUT = Duration.ofSeconds(5);

    /** The most header bytes a response may have before the test calls it broken. */
    private static final int MAX_HEAD = 64 * 1024;

    private final Socket socket;
    private final int status;
    private final HttpHeaders headers;
    private final InputStream body;
    private final ByteArrayOutputStream raw = new ByteArrayOutputStream();
    private final BlockingQueue<ServerSentEvent> events = new LinkedBlockingQueue<>();
    private final List<String> comments = new CopyOnWriteArrayList<>();
    private final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
    private final EventStreamParser parser;
    private final Thread reader;
    private volatile boolean ended;

    private EventStream(Socket socket, Head head) {
        this.socket = socket;
        this.status = head.status();
        this.headers = head.headers();
        this.body = head.body();
        this.parser = new EventStreamParser(new EventStreamParser.Listener() {
            @Override
            public void onEvent(ServerSentEvent event) {
                arrivals.add(new Arrival(event, System.nanoTime()));
                events.add(event);
            }

            @Override
            public void onComment(String comment) {
                comments.add(comment);
            }
        });
        this.reader = new Thread(this::readUntilEnd, "event-stream-reader");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** An event and when it arrived ({@link System#nanoTime()}): for tests that measure delays. */
    public record Arrival(ServerSentEvent event, long nanoTime) {
    }

    /** Opens a stream the way a browser's EventSource does: GET with {@code Accept: text/event-stream}. */
    public static EventStream open(URI uri) {
        return open(uri, Map.of());
    }

    /**
     * Opens a stream with extra request headers (for example {@code Last-Event-ID}); a header named
     * here replaces the default of the same name ({@code Accept}, {@code Host}).
     */
    public static EventStream open(URI uri, Map<String, String> headers) {
        return open(uri, targetOf(uri), headers, StandardCharsets.UTF_8);
    }

    /**
     * Opens a stream on {@code server} (its address only) with a request target sent exactly as given, and
     * the request written in ISO-8859-1, one byte for each character up to U+00FF: what a {@code URI} refuses
     * to carry (a malformed escape such as {@code %zz}) and any byte HTTP allows in a header value (0x80 to
     * 0xFF as well, where UTF-8 would send two) reach the server as they are.
     */
    public static EventStream openRaw(URI server, String target, Map<String, String> headers) {
        return open(server.resolve("/"), target, headers, StandardCharsets.ISO_8859_1);
    }

    private static EventStream open(URI uri, String target, Map<String, String> headers, Charset charset) {
        Socket socket = connect(uri, target, headers, charset);
        try {
            socket.setSoTimeout((int) HEADERS_TIMEOUT.toMillis());
            return start(socket, uri);
        } catch (SocketTimeoutException e) {
            closeQuietly(socket);
            throw new AssertionError("GET " + uri + ": no response headers within " + HEADERS_TIMEOUT.toSeconds()
                    + " s. A handler that never writes or flushes keeps the client waiting.", e);
        } catch (IOException e) {
            closeQuietly(socket);
            throw new AssertionError("GET " + uri + " failed: " + e, e);
        }
    }

    /**
     * Sends the request and returns at once; the stream is there when the response headers arrive,
     * which may be never. For what holds back even the headers, as a buffering proxy does: a test
     * can then say "nothing at all arrived". The caller bounds its wait, e.g. {@code get(5, SECONDS)};
     * the connection is dropped after a minute without headers.
     */
    public static CompletableFuture<EventStream> openLater(URI uri) {
        Socket socket = connect(uri, targetOf(uri), Map.of(), StandardCharsets.UTF_8);
        CompletableFuture<EventStream> later = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                socket.setSoTimeout((int) Duration.ofMinutes(1).toMillis());
                later.complete(start(socket, uri));
            } catch (IOException | RuntimeException e) {
                closeQuietly(socket);
                later.completeExceptionally(e);
            }
        }, "event-stream-headers");
        waiter.setDaemon(true);
        waiter.start();
        return later;
    }

    /** The request target of {@code uri}: its path (at least "/") and query, as they are written in it. */
    private static String targetOf(URI uri) {
        return (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    /** Connects (loopback only) and sends the request; the answer is read by {@link #start}. */
    private static Socket connect(URI uri, String target, Map<String, String> extra, Charset charset) {
        if (!"http".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("EventStream speaks plain HTTP/1.1 only: " + uri);
        }
        String host = uri.getHost();
        if (!"127.0.0.1".equals(host) && !"localhost".equalsIgnoreCase(host)) {
            throw new IllegalArgumentException("only to this machine (127.0.0.1 or localhost): " + uri);
        }
        int port = uri.getPort() == -1 ? 80 : uri.getPort();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Host", host + ":" + port);
        headers.put("Accept", "text/event-stream");
        headers.put("Cache-Control", "no-cache");
        extra.forEach((name, value) -> {
            headers.keySet().removeIf(name::equalsIgnoreCase);
            headers.put(name, value);
        });
        StringBuilder request = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\n");
        headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        request.append("\r\n");
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), (int) HEADERS_TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(charset));
            out.flush();
            return socket;
        } catch (IOException e) {
            closeQuietly(socket);
            throw new AssertionError("GET " + uri + " failed: " + e, e);
        }
    }

    /** Reads the status line and headers (within the socket's timeout), then starts the reader. */
    private static EventStream start(Socket socket, URI uri) throws IOException {
        InputStream in = new BufferedInputStream(socket.getInputStream());
        Head head = Head.read(in, uri);
        socket.setSoTimeout(0); // the stream stays open as long as the server keeps it; every wait on it is bounded
        return new EventStream(socket, head);
    }

    /** A response's status line and headers, and its body decoded from the transfer coding. */
    private record Head(int status, HttpHeaders headers, InputStream body) {

        static Head read(InputStream in, URI uri) throws IOException {
            while (true) {
                List<String> lines = lines(in, uri);
                String statusLine = lines.get(0);
                if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
                    throw new IOException("not an HTTP/1.x status line from " + uri + ": " + statusLine);
                }
                int status = Integer.parseInt(statusLine.substring(9, 12));
                Map<String, List<String>> fields = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                for (String line : lines.subList(1, lines.size())) {
                    int colon = line.indexOf(':');
                    if (colon <= 0) {
                        throw new IOException("a header line without a name from " + uri + ": " + line);
                    }
                    fields.computeIfAbsent(line.substring(0, colon).strip(), name -> new ArrayList<>())
                            .add(line.substring(colon + 1).strip());
                }
                if (status >= 100 && status < 200) {
                    continue; // an interim answer (100 Continue): the real one follows
                }
                HttpHeaders headers = HttpHeaders.of(fields, (name, value) -> true);
                return new Head(status, headers, body(in, status, headers));
            }
        }

        private static InputStream body(InputStream in, int status, HttpHeaders headers) throws IOException {
            if (status == 204 || status == 304) {
                return InputStream.nullInputStream();
            }
            if (headers.firstValue("Transfer-Encoding").map(coding -> coding.toLowerCase(Locale.ROOT).endsWith("chunked")).orElse(false)) {
                return new Chunked(in);
            }
            OptionalLong length = headers.firstValueAsLong("Content-Length");
            return length.isPresent() ? new Limited(in, length.getAsLong()) : in;
        }

        /** The header block's lines, up to the empty line; ISO-8859-1, as HTTP/1.1 defines them. */
        private static List<String> lines(InputStream in, URI uri) throws IOException {
            List<String> lines = new ArrayList<>();
            StringBuilder line = new StringBuilder();
            int total = 0;
            for (int b; (b = in.read()) != -1; ) {
                if (++total > MAX_HEAD) {
                    throw new IOException("more than " + MAX_HEAD + " bytes of headers from " + uri);
                }
                if (b == '\n') {
                    int length = line.length();
                    if (length > 0 && line.charAt(length - 1) == '\r') {
                        line.setLength(length - 1);
                    }
                    if (line.length() == 0 && !lines.isEmpty()) {
                        return lines;
                    }
                    if (line.length() > 0) {
                        lines.add(line.toString());
                    }
                    line.setLength(0);
                } else {
                    line.append((char) b);
                }
            }
            throw new IOException("the server closed the connection before the end of the headers from " + uri
                    + (lines.isEmpty() ? " (nothing arrived)" : ": " + lines));
        }
    }

    /** A body decoded from its transfer coding: reads are always of a buffer, one byte too. */
    private abstract static class Body extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public abstract int read(byte[] buffer, int offset, int length) throws IOException;
    }

    /** A chunked body, decoded as it arrives; -1 after the last chunk. */
    private static final class Chunked extends Body {
        private final InputStream in;
        private long left;
        private boolean afterChunk;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (done) {
                return -1;
            }
            if (left == 0) {
                // A chunk's closing line end is read here, not after its data, so that the data is
                // handed over even when the line end arrives later.
                if (afterChunk && !line().isEmpty()) {
                    throw new IOException("a chunk not followed by its line end");
                }
                afterChunk = false;
                String size = line();
                int semicolon = size.indexOf(';');
                try {
                    left = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).strip(), 16);
                } catch (NumberFormatException e) {
                    throw new IOException("a broken chunk size: '" + size + "'");
                }
                if (left == 0) {
                    while (!line().isEmpty()) {
                        // trailer fields: none expected, none kept
                    }
                    done = true;
                    return -1;
                }
            }
            int n = in.read(buffer, offset, (int) Math.min(length, left));
            if (n == -1) {
                throw new EOFException("the connection ended inside a chunk");
            }
            left -= n;
            afterChunk = left == 0;
            return n;
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int b; (b = in.read()) != -1; ) {
                if (b == '\n') {
                    int length = line.length();
                    return length > 0 && line.charAt(length - 1) == '\r' ? line.substring(0, length - 1) : line.toString();
                }
                if (line.length() > 1024) {
                    throw new IOException("a chunk line longer than 1024 bytes");
                }
                line.append((char) b);
            }
            throw new EOFException("the connection ended inside a chunk line");
        }
    }

    /** A body of a known length. */
    private static final class Limited extends Body {
        private final InputStream in;
        private long left;

        Limited(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (left == 0) {
                return -1;
            }
            int n = in.read(buffer, offset, (int) Math.min(length, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private void readUntilEnd() {
        byte[] buffer = new byte[8192];
        try (InputStream body = this.body) {
            for (int n; (n = body.read(buffer)) != -1; ) {
                synchronized (raw) {
                    raw.write(buffer, 0, n);
                }
                parser.feed(buffer, 0, n);
            }
        } catch (IOException closedOrReset) {
            // The connection ended abruptly: that is an end of stream too.
        } finally {
            parser.end();
            ended = true;
            closeQuietly(socket); // the response is over: its connection is not reused
        }
    }

    public int status() {
        return status;
    }

    public HttpHeaders headers() {
        return headers;
    }

    /** The first value of a response header, if present. */
    public Optional<String> header(String name) {
        return headers.firstValue(name);
    }

    /** Every byte received so far, decoded as UTF-8. */
    public String raw() {
        synchronized (raw) {
            return raw.toString(StandardCharsets.UTF_8);
        }
    }

    /** Comments received so far (lines starting with a colon), without the colon and one space. */
    public List<String> comments() {
        return List.copyOf(comments);
    }

    /**
     * Every event received so far with the moment it arrived, oldest first. {@link #next} does not
     * take events from this list: a test can measure delays and still read the events in order.
     */
    public List<Arrival> arrivals() {
        return List.copyOf(arrivals);
    }

    /** True once the server has closed the stream (or the connection broke). */
    public boolean ended() {
        return ended;
    }

    /**
     * The next event, waiting at most {@code timeout}; fails with {@code hint} and what
     * arrived so far when none comes.
     */
    public ServerSentEvent next(Duration timeout, String hint) {
        return next(1, timeout, hint).get(0);
    }

    /** The next {@code count} events, all of them within {@code timeout} in total. */
    public List<ServerSentEvent> next(int count, Duration timeout, String hint) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ServerSentEvent> received = new ArrayList<>(count);
        try {
            while (received.size() < count) {
                ServerSentEvent event = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (event == null) {
                    throw new AssertionError("Expected " + count + " event(s) within " + timeout.toMillis()
                            + " ms but got " + received.size() + ". " + hint + "\n" + describe());
                }
                received.add(event);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return received;
    }

    /** Waits until the bytes received so far satisfy {@code condition}; returns them. */
    public String awaitRaw(java.util.function.Predicate<String> condition, Duration timeout, String hint) {
        Await.until(() -> condition.test(raw()), timeout, () -> hint + "\n" + describe());
        return raw();
    }

    /** Waits until the server ends the stream. */
    public void awaitEnd(Duration timeout, String hint) {
        Await.until(this::ended, timeout, () -> hint + "\n" + describe());
    }

    /**
     * Fails unless the response is a 200 {@code text/event-stream}; the message shows what came
     * instead (a 501 from an unfinished TODO says which one) and the hint.
     */
    public EventStream expectEventStream(String hint) {
        boolean isStream = header("Content-Type").map(type -> type.toLowerCase(java.util.Locale.ROOT).startsWith("text/event-stream")).orElse(false);
        if (status() != 200 || !isStream) {
            throw new AssertionError("The response is not an event stream. " + hint + "\n" + describe());
        }
        return this;
    }

    /** Status, content type and the bytes so far: the context every failure message needs. */
    public String describe() {
        if (status() != 200 && !ended) {
            // An error's body is short and explains itself: give it a moment to arrive.
            try {
                reader.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        String body = raw();
        if (body.length() > 600) {
            body = body.substring(0, 600) + "...";
        }
        return "  status: " + status() + ", Content-Type: " + header("Content-Type").orElse("(none)")
                + (ended ? ", stream ended" : ", stream open")
                + "\n  received so far: " + (body.isEmpty() ? "(nothing)" : escape(body));
    }

    private static String escape(String text) {
        return '"' + text.replace("\r", "\\r").replace("\n", "\\n") + '"';
    }

    /** Disconnects at once, as a closed browser tab does: the socket is closed, not only the body. */
    @Override
    public void close() {
        closeQuietly(socket);
        try {
            reader.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
