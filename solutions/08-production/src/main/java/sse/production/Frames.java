package sse.production;

import java.nio.charset.StandardCharsets;

/**
 * The bytes of {@code text/event-stream}, made once and shared: a broadcast to 10,000 clients encodes
 * its event once and puts the same array in every client's queue (nobody changes an array once made).
 */
public final class Frames {

    /**
     * A comment: it keeps proxies from cutting an idle stream and finds clients that have gone.
     * Shared by every stream, like every frame: never write into it.
     */
    public static final byte[] PING = ": ping\n\n".getBytes(StandardCharsets.UTF_8);

    private Frames() {
    }

    /**
     * One event: {@code event:}, {@code id:} when {@code id >= 0}, and {@code data} split into one
     * {@code data:} line per line, so a CR or LF in the data can never end the event early and forge another.
     */
    public static byte[] event(String name, long id, String data) {
        requireOneLine("event name", name);
        StringBuilder frame = new StringBuilder(data.length() + name.length() + 40);
        frame.append("event: ").append(name).append('\n');
        if (id >= 0) {
            frame.append("id: ").append(id).append('\n');
        }
        // A line ends at CRLF, LF or CR (the spec's three): each piece becomes its own data: line.
        for (String line : data.split("\r\n|\r|\n", -1)) {
            frame.append("data: ").append(line).append('\n');
        }
        return frame.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The {@code retry:} field alone: the browser keeps the value for its next reconnect. */
    public static byte[] retry(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("retry must be at least 0 ms, not " + millis);
        }
        return ("retry: " + millis + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static void requireOneLine(String what, String value) {
        if (value.isEmpty() || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("an " + what + " must be one line, not " + value);
        }
    }
}
