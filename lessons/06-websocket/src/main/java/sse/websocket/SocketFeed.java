package sse.websocket;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsContext;
import sse.polling.Movie;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The WebSocket side of the feed: every socket gets the same movies as the event streams, and,
 * what SSE cannot do on its own connection, a socket may send a chat message that every socket
 * receives. Messages are JSON objects with a {@code type}.
 *
 * <pre>
 *   server to client: {"type":"welcome","sockets":3}
 *                     {"type":"movie","id":7,"title":"Heat","year":1995,"postedAt":1795000000000}
 *                     {"type":"chat","from":"a1b2c3","text":"hello"}
 *                     {"type":"error","error":"..."}            (to the sender of a bad message only)
 *   client to server: {"type":"chat","text":"hello"}
 * </pre>
 *
 * A message is checked as strictly as {@code POST /movies}: one JSON object and nothing after it,
 * text that is whole Unicode, at most {@value #MAX_MESSAGE_CHARACTERS} characters. Anything else,
 * a binary message too, gets an {@code error} back, to its sender only, and the socket stays open.
 * Only a message over {@value #MAX_FRAME_BYTES} bytes, which Jetty will not hold, closes it (1009),
 * and text that is not UTF-8 (1007): the WebSocket protocol requires both.
 */
final class SocketFeed {

    static final int MAX_CHAT_CHARACTERS = 500;
    /** The longest message answered: longer ones get an error, not a chat. */
    static final int MAX_MESSAGE_CHARACTERS = 4096;
    /** The longest message Jetty reads at all (1 MiB); it closes the socket on a longer one. */
    static final int MAX_FRAME_BYTES = 1 << 20;

    record Welcome(String type, int sockets) {
    }

    /** A movie as a socket receives it: the same fields as the {@code movie} event's data, and a type. */
    record MovieMessage(String type, long id, String title, int year, long postedAt) {
        static MovieMessage of(Movie movie) {
            return new MovieMessage("movie", movie.id(), movie.title(), movie.year(), movie.postedAt());
        }
    }

    record Chat(String type, String from, String text) {
    }

    record Problem(String type, String error) {
    }

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS) // {"type":"chat",...} then more is not one message
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)   // two "text"s: which one did they mean?
            .build();

    // By session id: Javalin hands each callback its own context object for the same socket.
    private final Map<String, WsContext> sockets = new ConcurrentHashMap<>();
    private final Object lock;

    /** @param lock the feed's lock: held while sending, so every socket sees one order */
    SocketFeed(Object lock) {
        this.lock = lock;
    }

    /** Declares what happens on {@code /ws}. */
    void configure(WsConfig ws) {
        // TODO 1: keep track of the sockets: on connect, put the socket in `sockets` (by its session
        //   id) and send it a Welcome with the count; on close and on error, remove it.
        //   Unlike SSE, the server hears at once when a socket closes: the close is a frame.
        sse.support.Todo.remind(1, "register each socket in onConnect (with a Welcome) and remove it in onClose and onError",
                "docs/06-websocket.md#todo-1-keep-track-of-the-sockets");
        // For now: no socket is kept, so none gets a movie or a chat; each is told why, as its first message.
        ws.onConnect(ctx -> ctx.send(new Problem("error", sse.support.Todo.todo(1,
                "register each socket in onConnect (with a Welcome) and remove it in onClose and onError",
                "docs/06-websocket.md#todo-1-keep-track-of-the-sockets").getMessage())));
        ws.onMessage(ctx -> receive(ctx, ctx.message()));
        // Only text is read: a binary message is answered too, or its sender would wait in silence.
        ws.onBinaryMessage(ctx -> ctx.send(new Problem("error",
                "send text, a JSON object like {\"type\":\"chat\",\"text\":\"hello\"}, not a binary message")));
    }

    /** How many sockets are open. */
    int count() {
        return sockets.size();
    }

    /** Sends one message (a record, as JSON) to every open socket. Call it holding the feed's lock. */
    void broadcast(Object message) {
        for (WsContext socket : sockets.values()) {
            if (socket.session.isOpen()) {
                socket.send(message);
            }
        }
    }

    /** A message from a client: a good chat goes to everyone, anything else gets an error back. */
    private void receive(WsContext from, String raw) {
        Checked checked = check(raw);
        // TODO 3: if check(...) found a problem, send it back to the sender only, as a Problem;
        //   otherwise send a Chat (from shortId(...) of the sender) to every socket, holding the lock.
        //   A bad message must not close the sender's socket, nor reach anyone else.
        sse.support.Todo.remind(3, "answer a bad message with a Problem to its sender, and send a good chat to every socket",
                "docs/06-websocket.md#todo-3-pass-a-chat-message-on");
    }

    /** A client's message, checked: the chat's text, or what is wrong with the message. */
    record Checked(String text, String problem) {
        static Checked wrong(String problem) {
            return new Checked(null, problem);
        }
    }

    static Checked check(String raw) {
        if (raw.length() > MAX_MESSAGE_CHARACTERS) {
            return Checked.wrong("a message may have at most " + MAX_MESSAGE_CHARACTERS + " characters, not " + raw.length());
        }
        JsonNode message;
        try {
            message = JSON.readTree(raw);
        } catch (Exception e) {
            return Checked.wrong("send JSON, like {\"type\":\"chat\",\"text\":\"hello\"}, and nothing after it");
        }
        if (message == null || !message.isObject()) {
            return Checked.wrong("send a JSON object, like {\"type\":\"chat\",\"text\":\"hello\"}");
        }
        JsonNode type = message.get("type");
        if (type == null || !type.isTextual() || !type.asText().equals("chat")) {
            return Checked.wrong("\"type\" must be \"chat\"");
        }
        JsonNode text = message.get("text");
        if (text == null || !text.isTextual() || text.asText().isBlank()) {
            return Checked.wrong("\"text\" must be a string that is not blank");
        }
        if (text.asText().codePointCount(0, text.asText().length()) > MAX_CHAT_CHARACTERS) {
            return Checked.wrong("\"text\" may have at most " + MAX_CHAT_CHARACTERS + " characters");
        }
        if (text.asText().codePoints().anyMatch(c -> Character.getType(c) == Character.SURROGATE)) {
            return Checked.wrong("\"text\" must be valid Unicode text, not half of a surrogate pair");
        }
        return new Checked(text.asText(), null);
    }

    private static String shortId(String sessionId) {
        return Integer.toHexString(sessionId.hashCode());
    }
}
