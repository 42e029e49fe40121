package sse.tools;

import java.nio.charset.StandardCharsets;

/**
 * Reads a {@code text/event-stream} body byte by byte, as the load clients receive it, and says when an
 * event is complete: a block of lines ended by an empty line, with at least one {@code data} line (the
 * format's rule for an event a browser dispatches). It keeps only what a load client needs: the event's
 * type, its id (which carries over to later events, as in a browser) and a {@code retry:} value. It
 * holds one short line at a time, so a client can have one per stream for 20,000 streams.
 *
 * <p>Not thread-safe: one scanner per stream, fed by one thread at a time.
 */
final class SseScanner {

    /** What a client does with a complete event or a {@code retry:} field. */
    interface Listener {
        void onEvent(String type, String lastEventId);

        default void onRetry(long millis) {
        }
    }

    /** The longest part of a line kept: field names and the values read here (id, event, retry) are short. */
    private static final int KEPT = 64;

    private final Listener listener;
    private final byte[] line = new byte[KEPT];
    private int length;          // bytes of the line so far (may be more than KEPT: the rest is not kept)
    private boolean afterCarriageReturn;
    private boolean hasData;     // the block so far has a data line
    private String type;         // the block's event: field, or null
    private String lastEventId;  // carries over from block to block

    SseScanner(Listener listener) {
        this.listener = listener;
    }

    /** The id of the last event that had one (what a browser sends as {@code Last-Event-ID}), or null. */
    String lastEventId() {
        return lastEventId;
    }

    /** Reads one byte of the body. Lines may end in \n, \r\n or \r. */
    void accept(byte b) {
        boolean lineFeedOfCrLf = afterCarriageReturn && b == '\n';
        afterCarriageReturn = b == '\r';
        if (lineFeedOfCrLf) {
            return;
        }
        if (b == '\n' || b == '\r') {
            endOfLine();
        } else {
            if (length < KEPT) {
                line[length] = b;
            }
            length++;
        }
    }

    private void endOfLine() {
        int kept = Math.min(length, KEPT);
        int fieldLength = length;
        length = 0;
        if (fieldLength == 0) { // an empty line ends the block
            if (hasData) {
                listener.onEvent(type == null ? "message" : type, lastEventId);
            }
            hasData = false;
            type = null;
            return;
        }
        if (line[0] == ':') {
            return; // a comment, such as ": ping"
        }
        int colon = indexOf(':', kept);
        String field = new String(line, 0, colon < 0 ? kept : colon, StandardCharsets.UTF_8);
        int valueStart = colon < 0 ? kept : colon + 1;
        if (valueStart < kept && line[valueStart] == ' ') {
            valueStart++; // one leading space is not part of the value
        }
        switch (field) {
            case "data" -> hasData = true;
            case "event" -> type = value(valueStart, kept);
            case "id" -> {
                String id = value(valueStart, kept);
                if (id.indexOf('\0') < 0) {
                    lastEventId = id;
                }
            }
            case "retry" -> {
                String digits = value(valueStart, kept);
                if (!digits.isEmpty() && digits.length() < 10 && digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    listener.onRetry(Long.parseLong(digits));
                }
            }
            default -> {
                // a field a load client has no use for
            }
        }
    }

    private int indexOf(char c, int kept) {
        for (int i = 0; i < kept; i++) {
            if (line[i] == c) {
                return i;
            }
        }
        return -1;
    }

    private String value(int start, int kept) {
        return new String(line, start, Math.max(0, kept - start), StandardCharsets.UTF_8);
    }
}
