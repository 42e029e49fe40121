package sse.check;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads {@code text/event-stream} exactly as the WHATWG HTML standard's "Server-sent events"
 * section tells a browser to ("Parsing an event stream" and "Interpreting an event stream").
 *
 * <p>Feed it bytes as they arrive from the network, in chunks of any size: it decodes UTF-8,
 * splits lines on CRLF, LF or CR, and reports each dispatched event to its {@link Listener}.
 * The tests use it to see a lesson's stream the way a browser's {@code EventSource} would.
 * One thread feeds it; it is not thread-safe.
 */
public final class EventStreamParser {

    /** What the parser reports. Only {@link #onEvent} is required. */
    public interface Listener {
        void onEvent(ServerSentEvent event);

        /** A comment line, without the leading colon (and with one leading space removed, if any). */
        default void onComment(String comment) {
        }

        /** A valid {@code retry:} field (ASCII digits only). */
        default void onRetry(long millis) {
        }
    }

    private static final char BOM = '\uFEFF';

    private final Listener listener;
    // The spec decodes with replacement: a bad byte becomes U+FFFD instead of stopping the stream.
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final CharBuffer decoded = CharBuffer.allocate(1024);
    private byte[] undecoded = new byte[0]; // the start of a UTF-8 sequence the next chunk finishes

    private final StringBuilder line = new StringBuilder();
    private boolean atStart = true;   // nothing decoded yet: a BOM here is ignored
    private boolean afterCr = false;  // the last line ended with CR: an LF right after it is part of that ending
    private boolean ended = false;

    private final StringBuilder dataBuffer = new StringBuilder();
    private String eventTypeBuffer = "";
    private String lastEventIdBuffer = "";
    private String lastEventId = "";
    private long retryMillis = -1;

    public EventStreamParser(Listener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** Feeds raw bytes as they arrive; UTF-8 sequences and CRLF pairs may be split across calls. */
    public void feed(byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        if (ended) {
            throw new IllegalStateException("feed() after end()");
        }
        ByteBuffer in = ByteBuffer.allocate(undecoded.length + length)
                .put(undecoded)
                .put(bytes, offset, length)
                .flip();
        CoderResult result;
        do {
            result = decoder.decode(in, decoded, false);
            decoded.flip();
            while (decoded.hasRemaining()) {
                accept(decoded.get());
            }
            decoded.clear();
        } while (result.isOverflow());
        // Underflow leaves an incomplete sequence in the buffer: keep it for the next chunk.
        undecoded = new byte[in.remaining()];
        in.get(undecoded);
    }

    /** The stream ended: an event without its closing blank line is discarded, as the spec says. */
    public void end() {
        ended = true;
        // "Once the end of the file is reached, any pending data must be discarded."
        undecoded = new byte[0];
        line.setLength(0);
        dataBuffer.setLength(0);
        eventTypeBuffer = "";
    }

    /** The last event ID as the EventSource would send it in {@code Last-Event-ID}. */
    public String lastEventId() {
        return lastEventId;
    }

    /** The reconnection time from the last valid {@code retry:} field, or -1 if none came. */
    public long retryMillis() {
        return retryMillis;
    }

    /** Parses a whole stream at once and returns its dispatched events. */
    public static List<ServerSentEvent> parse(String stream) {
        List<ServerSentEvent> events = new ArrayList<>();
        EventStreamParser parser = new EventStreamParser(events::add);
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        parser.feed(bytes, 0, bytes.length);
        parser.end();
        return List.copyOf(events);
    }

    /** Takes one decoded character: drops a leading BOM, then splits lines on CRLF, LF or CR. */
    private void accept(char c) {
        if (atStart) {
            atStart = false;
            if (c == BOM) {
                return;
            }
        }
        if (afterCr) {
            afterCr = false;
            if (c == '\n') {
                return; // the LF of a CRLF, possibly the first byte of a new chunk
            }
        }
        if (c == '\r') {
            afterCr = true;
            endLine();
        } else if (c == '\n') {
            endLine();
        } else {
            line.append(c);
        }
    }

    private void endLine() {
        String text = line.toString();
        line.setLength(0);
        processLine(text);
    }

    private void processLine(String text) {
        int colon = text.indexOf(':');
        if (text.isEmpty()) {
            dispatch();
        } else if (colon == 0) {
            listener.onComment(withoutLeadingSpace(text.substring(1)));
        } else if (colon > 0) {
            processField(text.substring(0, colon), withoutLeadingSpace(text.substring(colon + 1)));
        } else {
            processField(text, "");
        }
    }

    private static String withoutLeadingSpace(String value) {
        return value.startsWith(" ") ? value.substring(1) : value;
    }

    private void processField(String name, String value) {
        switch (name) {
            case "event" -> eventTypeBuffer = value;
            case "data" -> dataBuffer.append(value).append('\n');
            case "id" -> {
                // A NUL could not be sent back in the Last-Event-ID header, so the spec ignores such ids.
                if (value.indexOf('\0') < 0) {
                    lastEventIdBuffer = value;
                }
            }
            case "retry" -> processRetry(value);
            default -> {
                // The spec ignores unknown fields (and names are case-sensitive: "Data" is unknown).
            }
        }
    }

    private void processRetry(String value) {
        if (value.isEmpty() || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return; // "3000ms", "-1", "1.5", "": not only ASCII digits, so ignored
        }
        try {
            retryMillis = Long.parseLong(value);
        } catch (NumberFormatException tooLarge) {
            return; // digits only, but more than a long holds
        }
        listener.onRetry(retryMillis);
    }

    private void dispatch() {
        // The ID is remembered even when no event goes out, so a reconnection resumes after it.
        lastEventId = lastEventIdBuffer;
        if (dataBuffer.length() == 0) {
            eventTypeBuffer = "";
            return;
        }
        String data = dataBuffer.substring(0, dataBuffer.length() - 1); // drop the last "\n"
        String type = eventTypeBuffer.isEmpty() ? "message" : eventTypeBuffer;
        dataBuffer.setLength(0);
        eventTypeBuffer = "";
        listener.onEvent(new ServerSentEvent(type, data, lastEventId));
    }
}
