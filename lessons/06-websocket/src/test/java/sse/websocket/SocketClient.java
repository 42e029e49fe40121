package sse.websocket;

import com.fasterxml.jackson.databind.JsonNode;
import sse.check.MovieFeed;
import sse.check.TestServer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A WebSocket test client on the JDK's own client: JSON messages in a queue, every wait bounded. */
final class SocketClient implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    private final WebSocket socket;
    private volatile String closedBecause;

    private SocketClient(URI uri, Map<String, String> headers) {
        try {
            WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
            headers.forEach(builder::header);
            socket = builder.buildAsync(uri, new Listener()).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("could not open a WebSocket to " + uri + ": " + e, e);
        }
    }

    /** The lesson's socket on {@code server}: {@code ws://127.0.0.1:port/ws}. */
    static URI uri(TestServer server) {
        return URI.create(server.uri("/ws").toString().replace("http://", "ws://"));
    }

    /** Opens a socket to {@code ws://127.0.0.1:port/ws}. */
    static SocketClient open(URI uri) {
        return new SocketClient(uri, Map.of());
    }

    /** Opens a socket with extra headers on the upgrade request, for example an {@code Origin}. */
    static SocketClient open(URI uri, Map<String, String> headers) {
        return new SocketClient(uri, headers);
    }

    /** Sends one binary message, waiting at most 5 s for it to be written. */
    void sendBinary(byte[] data) {
        try {
            socket.sendBinary(ByteBuffer.wrap(data), true).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("could not send " + data.length + " bytes: " + e, e);
        }
    }

    /** Why the server closed the socket ("1009 ..."), or null while it is open. */
    String closedBecause() {
        return closedBecause;
    }

    /** Sends one text message, waiting at most 5 s for it to be written. */
    void send(String text) {
        try {
            socket.sendText(text, true).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("could not send " + text + ": " + e, e);
        }
    }

    /** The next message, within {@code timeout}; fails with {@code hint} when none comes. */
    JsonNode next(Duration timeout, String hint) {
        try {
            JsonNode message = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (message == null) {
                throw new AssertionError("No WebSocket message within " + timeout.toMillis() + " ms. " + hint
                        + (closedBecause != null ? " The socket was closed: " + closedBecause : ""));
            }
            return message;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The next message whose type is {@code type}, skipping others, within {@code timeout} in total. */
    JsonNode next(String type, Duration timeout, String hint) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode message = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())), hint);
            if (message.path("type").asText().equals(type)) {
                return message;
            }
        }
    }

    /** True while the server has not closed the socket. */
    boolean open() {
        return closedBecause == null && !socket.isInputClosed();
    }

    @Override
    public void close() {
        socket.abort();
    }

    private final class Listener implements WebSocket.Listener {
        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    messages.add(MovieFeed.JSON.readTree(partial.toString()));
                } catch (IOException e) {
                    messages.add(MovieFeed.JSON.createObjectNode().put("type", "not JSON").put("text", partial.toString()));
                }
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closedBecause = statusCode + " " + reason;
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closedBecause = String.valueOf(error);
        }
    }
}
