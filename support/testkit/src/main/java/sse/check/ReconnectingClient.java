package sse.check;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client that comes back the way a browser's {@code EventSource} does: when its stream ends or the
 * connection fails, it waits the last {@code retry:} it was sent, then reconnects with
 * {@code Last-Event-ID}; an answer that is not a {@code 200 text/event-stream} stops it for good.
 * For tests of restarts and storms, where many clients must come back by themselves.
 *
 * <p>One thread per client, a daemon: {@link #close()} ends it. Every event it receives is kept, in order.
 */
public final class ReconnectingClient implements AutoCloseable {

    /** The wait before reconnecting when the server never sent {@code retry:}; browsers use a few seconds. */
    public static final Duration DEFAULT_RETRY = Duration.ofSeconds(3);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final HttpClient http;
    private final URI uri;
    private final List<ServerSentEvent> events = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final Thread thread;
    private volatile String lastEventId = "";
    private volatile long retryMillis = DEFAULT_RETRY.toMillis();
    private volatile boolean stopped; // the server said stop (not a 200 event stream)
    private volatile boolean closed;
    private volatile InputStream body;

    private ReconnectingClient(HttpClient http, URI uri, String name) {
        this.http = http;
        this.uri = uri;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    /** Starts a client of {@code uri}; many clients may share one {@link HttpClient}. */
    public static ReconnectingClient start(HttpClient http, URI uri, String name) {
        ReconnectingClient client = new ReconnectingClient(http, uri, name);
        client.thread.start();
        return client;
    }

    /** An HTTP/1.1 client for many {@link ReconnectingClient}s. */
    public static HttpClient sharedHttp() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT).build();
    }

    private void run() {
        while (!closed && !stopped) {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().header("Accept", "text/event-stream");
            if (!lastEventId.isEmpty()) {
                request.header("Last-Event-ID", lastEventId);
            }
            try {
                HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
                boolean eventStream = response.headers().firstValue("Content-Type")
                        .map(type -> type.toLowerCase(java.util.Locale.ROOT).startsWith("text/event-stream")).orElse(false);
                if (response.statusCode() != 200 || !eventStream) {
                    response.body().close();
                    stopped = true; // as EventSource: anything else fails the connection for good
                    return;
                }
                connections.incrementAndGet();
                read(response.body());
            } catch (IOException refusedOrBroken) {
                // The server is away or the stream broke: wait and come back, as a browser does.
            } catch (InterruptedException e) {
                return;
            }
            if (!closed) {
                try {
                    Thread.sleep(retryMillis); // the wait the server asked for: this is what retry: means
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private void read(InputStream stream) throws IOException {
        body = stream;
        EventStreamParser parser = new EventStreamParser(new EventStreamParser.Listener() {
            @Override
            public void onEvent(ServerSentEvent event) {
                events.add(event);
            }

            @Override
            public void onRetry(long millis) {
                retryMillis = millis;
            }
        });
        byte[] buffer = new byte[8192];
        try (stream) {
            for (int n; !closed && (n = stream.read(buffer)) != -1; ) {
                parser.feed(buffer, 0, n);
                if (!parser.lastEventId().isEmpty()) {
                    lastEventId = parser.lastEventId();
                }
            }
        } finally {
            parser.end();
            if (!parser.lastEventId().isEmpty()) {
                lastEventId = parser.lastEventId();
            }
        }
    }

    /** Every event received so far, in the order received, over every connection. */
    public List<ServerSentEvent> events() {
        return List.copyOf(events);
    }

    /** The ids of the events named {@code type}, in the order received (duplicates kept, to be seen). */
    public List<Long> ids(String type) {
        List<Long> ids = new ArrayList<>();
        for (ServerSentEvent event : events) {
            if (type.equals(event.type())) {
                ids.add(Long.parseLong(event.lastEventId()));
            }
        }
        return ids;
    }

    /** How many times a stream was opened (a 200 event stream). */
    public int connections() {
        return connections.get();
    }

    /** The id it would send back now. */
    public String lastEventId() {
        return lastEventId;
    }

    /** The last retry it was told, in ms. */
    public long retryMillis() {
        return retryMillis;
    }

    /** Whether it has stopped for good (the server answered without an event stream). */
    public boolean stopped() {
        return stopped;
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        InputStream open = body;
        if (open != null) {
            try {
                open.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
