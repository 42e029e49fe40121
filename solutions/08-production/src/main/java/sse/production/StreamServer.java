package sse.production;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The small parts a stream server is built with from this lesson on: the reading of {@code Last-Event-ID},
 * JSON for an event's data, the writers' threads and a connector with room
 * for a reconnection storm.
 * Lessons 09 and 10 use them from here, through {@code carried/08-production}, instead of a copy each.
 */
public final class StreamServer {

    /** The longest id that can be read: {@code Long.MAX_VALUE} has 19 digits. */
    static final int MAX_ID_DIGITS = 19;

    /** Lesson 08's accept queue: room for a reconnection storm (Jetty's default is 50). */
    public static final int ACCEPT_QUEUE = 4096;

    /** How long Jetty's stop waits for requests in progress, once the streams have ended: see {@link #stopGracefully}. */
    public static final Duration STOP_TIMEOUT = Duration.ofSeconds(2);

    /**
     * During the stop, how long a connection may sit silent before Jetty closes it: a browser's idle
     * keep-alive connection goes at once, and so does a request in progress that stalls this long.
     */
    public static final Duration SHUTDOWN_IDLE = Duration.ofMillis(250);

    private static final ObjectMapper JSON = new ObjectMapper();

    private StreamServer() {
    }

    /**
     * A {@code Last-Event-ID} as an id, or -1 if it is not one: only ASCII digits, at most 19 of them,
     * and a value that fits a {@code long}. A stranger's header never gets further than this.
     */
    public static long idOf(String header) {
        // From lesson 07 (ReconnectionApp.java), unchanged:
        if (header.isEmpty() || header.length() > MAX_ID_DIGITS
                || !header.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        try {
            return Long.parseLong(header);
        } catch (NumberFormatException tooLarge) {
            return -1;
        }
        // (end of lesson 07's code)
    }

    /** The value as JSON (a record becomes an object): an event's data, or what goes through a broker. */
    public static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value + " as JSON", e);
        }
    }

    /** Threads called {@code name-1}, {@code name-2} ...; daemons, so they never keep the JVM alive after a stop. */
    public static ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * A plain HTTP connector on {@code host} and {@code port}, for {@code config.jetty.addConnector}.
     *
     * @param acceptQueue how many connections the kernel may hold for the server before it accepts them
     * @param sendBuffer  each connection's socket send buffer in bytes; 0 leaves it to the system
     */
    public static ServerConnector connector(Server server, HttpConfiguration http, String host, int port,
                                            int acceptQueue, int sendBuffer) {
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(port);
        // The kernel holds this many connections until Jetty accepts them (Jetty's default is 50). The
        // rest of a storm are dropped and retried by the client's TCP after 1 s, then 3 s, ... (the
        // kernel caps it too: net.core.somaxconn, 4096 on current Linux).
        connector.setAcceptQueueSize(acceptQueue);
        connector.setShutdownIdleTimeout(SHUTDOWN_IDLE.toMillis()); // see stopGracefully
        if (sendBuffer > 0) {
            connector.setAcceptedSendBufferSize(sendBuffer);
        }
        return connector;
    }

    /**
     * Jetty's own graceful stop, the step after the lesson's drain: Jetty stops accepting, lets the
     * requests it is in the middle of finish (a post whose body is still arriving, say: it is answered,
     * then its connection closes), closes idle connections after {@link #SHUTDOWN_IDLE} and the rest after
     * {@link #STOP_TIMEOUT}. Jetty's default stop timeout is 0: such a post is cut off unanswered, a proxy
     * in front turns that into a 502 that it will not resend, and the poster cannot tell whether it was
     * stored. Not Jetty's {@code GracefulHandler}: it answers every request that arrives during the stop
     * with a 503, and to an {@code EventSource} a 503 means "stop for good". For
     * {@code config.jetty.modifyServer(StreamServer::stopGracefully)}, with the connectors below.
     */
    public static void stopGracefully(Server server) {
        server.setStopTimeout(STOP_TIMEOUT.toMillis());
    }

    /** The same with lesson 08's accept queue ({@link #ACCEPT_QUEUE}) and the system's send buffer. */
    public static ServerConnector connector(Server server, HttpConfiguration http, String host, int port) {
        return connector(server, http, host, port, ACCEPT_QUEUE, 0);
    }
}
