package sse.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The parser against the WHATWG HTML standard, "Server-sent events": "Parsing an event stream"
 * and "Interpreting an event stream". The first tests are the standard's own examples.
 */
@DisplayName("EventStreamParser reads text/event-stream as the WHATWG standard says")
final class EventStreamParserTest {

    // ---- helpers ----------------------------------------------------------------------------

    /** Remembers everything the parser reports. */
    private static final class Recorder implements EventStreamParser.Listener {
        final List<ServerSentEvent> events = new ArrayList<>();
        final List<String> comments = new ArrayList<>();
        final List<Long> retries = new ArrayList<>();

        @Override
        public void onEvent(ServerSentEvent event) {
            events.add(event);
        }

        @Override
        public void onComment(String comment) {
            comments.add(comment);
        }

        @Override
        public void onRetry(long millis) {
            retries.add(millis);
        }
    }

    private static ServerSentEvent message(String data) {
        return new ServerSentEvent("message", data, "");
    }

    private static ServerSentEvent message(String data, String lastEventId) {
        return new ServerSentEvent("message", data, lastEventId);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void feed(EventStreamParser parser, String chunk) {
        byte[] bytes = utf8(chunk);
        parser.feed(bytes, 0, bytes.length);
    }

    /** Feeds the stream one byte per feed() call, then ends it. */
    private static Recorder feedByteByByte(byte[] stream) {
        Recorder recorder = new Recorder();
        EventStreamParser parser = new EventStreamParser(recorder);
        for (int i = 0; i < stream.length; i++) {
            parser.feed(stream, i, 1);
        }
        parser.end();
        return recorder;
    }

    /** Parses the whole stream in one feed() and returns the parser, already ended. */
    private static EventStreamParser parseWith(Recorder recorder, String stream) {
        EventStreamParser parser = new EventStreamParser(recorder);
        feed(parser, stream);
        parser.end();
        return parser;
    }

    // ---- the standard's examples ------------------------------------------------------------

    @Nested
    @DisplayName("the standard's examples")
    final class SpecExamples {

        @Test
        @DisplayName("three data lines make one message whose lines are joined with a line feed")
        void stockQuote() {
            assertEquals(List.of(message("YHOO\n+2\n10")),
                    EventStreamParser.parse("data: YHOO\ndata: +2\ndata: 10\n\n"));
        }

        @Test
        @DisplayName("a comment block fires nothing, an id is set and then reset by a bare id, and two spaces keep one")
        void commentsAndIds() {
            Recorder recorder = new Recorder();
            EventStreamParser parser = parseWith(recorder, """
                    : test stream

                    data: first event
                    id: 1

                    data:second event
                    id

                    data:  third event

                    """);

            assertEquals(List.of(
                    message("first event", "1"),
                    message("second event", ""),
                    message(" third event", "")), recorder.events);
            assertEquals(List.of("test stream"), recorder.comments);
            assertEquals("", parser.lastEventId());
        }

        @Test
        @DisplayName("a bare data line gives an empty message, two give a line feed, and a last block without a blank line is dropped")
        void bareDataLines() {
            assertEquals(List.of(message(""), message("\n")),
                    EventStreamParser.parse("data\n\ndata\ndata\n\ndata:"));
        }

        @Test
        @DisplayName("'data:test' and 'data: test' are the same field")
        void spaceAfterColonIsOptional() {
            assertEquals(List.of(message("test"), message("test")),
                    EventStreamParser.parse("data:test\n\ndata: test\n\n"));
        }

        @Test
        @DisplayName("the event field sets each event's type")
        void eventTypes() {
            assertEquals(List.of(
                            new ServerSentEvent("add", "73857293", ""),
                            new ServerSentEvent("remove", "2153", ""),
                            new ServerSentEvent("add", "113411", "")),
                    EventStreamParser.parse("""
                            event: add
                            data: 73857293

                            event: remove
                            data: 2153

                            event: add
                            data: 113411

                            """));
        }
    }

    // ---- lines ------------------------------------------------------------------------------

    @Nested
    @DisplayName("line endings")
    final class LineEndings {

        @Test
        @DisplayName("lines may end with LF")
        void lf() {
            assertEquals(List.of(message("a\nb")), EventStreamParser.parse("data: a\ndata: b\n\n"));
        }

        @Test
        @DisplayName("lines may end with CRLF")
        void crlf() {
            assertEquals(List.of(message("a\nb")), EventStreamParser.parse("data: a\r\ndata: b\r\n\r\n"));
        }

        @Test
        @DisplayName("lines may end with a lone CR")
        void cr() {
            assertEquals(List.of(message("a\nb")), EventStreamParser.parse("data: a\rdata: b\r\r"));
        }

        @Test
        @DisplayName("one stream may mix CRLF, LF and CR")
        void mixed() {
            assertEquals(List.of(message("a\nb\nc"), message("d")),
                    EventStreamParser.parse("data: a\r\ndata: b\ndata: c\r\r\ndata: d\n\r"));
        }

        @Test
        @DisplayName("an LF followed by a CR is two line endings, so the CR is a blank line")
        void lfThenCr() {
            assertEquals(List.of(message("a"), message("b")),
                    EventStreamParser.parse("data: a\n\rdata: b\r\n\r\n"));
        }

        @Test
        @DisplayName("a CR at the end of one chunk and an LF at the start of the next make one line break")
        void crlfSplitAcrossChunks() {
            Recorder recorder = new Recorder();
            EventStreamParser parser = new EventStreamParser(recorder);
            feed(parser, "data: a\r");
            feed(parser, "\ndata: b\r");
            feed(parser, "\n\r");
            feed(parser, "\n");
            parser.end();

            // Two line breaks here would make a blank line and split this into two events.
            assertEquals(List.of(message("a\nb")), recorder.events);
        }

        @Test
        @DisplayName("a CR at the end of one chunk still ends the line when the next chunk starts with another CR")
        void crThenCrAcrossChunks() {
            Recorder recorder = new Recorder();
            EventStreamParser parser = new EventStreamParser(recorder);
            feed(parser, "data: a\r");
            feed(parser, "\r");

            assertEquals(List.of(message("a")), recorder.events);
        }

        @Test
        @DisplayName("an event is dispatched as soon as its blank line arrives, before the stream ends")
        void dispatchIsImmediate() {
            Recorder recorder = new Recorder();
            EventStreamParser parser = new EventStreamParser(recorder);
            feed(parser, "data: a\n");
            assertEquals(List.of(), recorder.events);

            feed(parser, "\n");
            assertEquals(List.of(message("a")), recorder.events);
        }

        @Test
        @DisplayName("blank lines in a row dispatch nothing more")
        void manyBlankLines() {
            assertEquals(List.of(message("a")), EventStreamParser.parse("\n\n\r\n\rdata: a\n\n\n\r\n"));
        }
    }

    // ---- bytes and UTF-8 --------------------------------------------------------------------

    @Nested
    @DisplayName("bytes and UTF-8")
    final class Decoding {

        @Test
        @DisplayName("multi-byte characters fed one byte at a time are decoded whole")
        void multiByteSplitByteByByte() {
            Recorder recorder = feedByteByByte(utf8("event: café\nid: €1\ndata: é € 😀\n\n"));

            assertEquals(List.of(new ServerSentEvent("café", "é € 😀", "€1")), recorder.events);
        }

        @Test
        @DisplayName("splitting the bytes at any point gives the same events as one chunk")
        void everySplitPoint() {
            String stream = "\uFEFF: hi\r\nid: 7\r\nevent: π\rdata: 😀 x\r\ndata: y\r\r\ndata: z\r\n\r\n";
            List<ServerSentEvent> expected = List.of(
                    new ServerSentEvent("π", "😀 x\ny", "7"),
                    message("z", "7"));
            assertEquals(expected, EventStreamParser.parse(stream));

            byte[] bytes = utf8(stream);
            for (int split = 0; split <= bytes.length; split++) {
                Recorder recorder = new Recorder();
                EventStreamParser parser = new EventStreamParser(recorder);
                parser.feed(bytes, 0, split);
                parser.feed(bytes, split, bytes.length - split);
                parser.end();
                assertEquals(expected, recorder.events, "split after byte " + split);
            }
        }

        @Test
        @DisplayName("bytes that are not UTF-8 become the replacement character")
        void malformedBytes() {
            byte[] stream = {'d', 'a', 't', 'a', ':', 'a', (byte) 0xFF, 'b', '\n', '\n'};
            Recorder recorder = feedByteByByte(stream);

            assertEquals(List.of(message("a\uFFFDb")), recorder.events);
        }

        @Test
        @DisplayName("feed reads only the slice of the array it is given")
        void feedHonoursOffsetAndLength() {
            byte[] bytes = utf8("xxdata: a\n\nyy");
            Recorder recorder = new Recorder();
            EventStreamParser parser = new EventStreamParser(recorder);
            parser.feed(bytes, 2, bytes.length - 4);
            parser.end();

            assertEquals(List.of(message("a")), recorder.events);
        }
    }

    // ---- byte order mark --------------------------------------------------------------------

    @Nested
    @DisplayName("the byte order mark")
    final class ByteOrderMark {

        @Test
        @DisplayName("one byte order mark at the start of the stream is ignored")
        void leadingBomIgnored() {
            assertEquals(List.of(message("x")), EventStreamParser.parse("\uFEFFdata: x\n\n"));
        }

        @Test
        @DisplayName("a byte order mark split across chunks at the start is still ignored")
        void leadingBomSplit() {
            assertEquals(List.of(message("x")), feedByteByByte(utf8("\uFEFFdata: x\n\n")).events);
        }

        @Test
        @DisplayName("a second byte order mark becomes part of the field name, so the field is ignored")
        void secondBomNotIgnored() {
            assertEquals(List.of(), EventStreamParser.parse("\uFEFF\uFEFFdata: x\n\n"));
        }

        @Test
        @DisplayName("a byte order mark later in the stream is not ignored")
        void laterBomNotIgnored() {
            assertEquals(List.of(message("a"), message("\uFEFFc")),
                    EventStreamParser.parse("data: a\n\n\uFEFFdata: b\n\ndata: \uFEFFc\n\n"));
        }
    }

    // ---- fields -----------------------------------------------------------------------------

    @Nested
    @DisplayName("fields and comments")
    final class Fields {

        @Test
        @DisplayName("a line starting with a colon is a comment, reported without the colon and one space")
        void comments() {
            Recorder recorder = new Recorder();
            parseWith(recorder, ": hello\n:no space\n:  two spaces\n:\n\n");

            assertEquals(List.of("hello", "no space", " two spaces", ""), recorder.comments);
            assertEquals(List.of(), recorder.events);
        }

        @Test
        @DisplayName("a comment between data lines does not split the event")
        void commentInsideEvent() {
            Recorder recorder = new Recorder();
            parseWith(recorder, "data: a\n: keep-alive\ndata: b\n\n");

            assertEquals(List.of(message("a\nb")), recorder.events);
            assertEquals(List.of("keep-alive"), recorder.comments);
        }

        @Test
        @DisplayName("unknown fields are ignored, with or without a value")
        void unknownFieldsIgnored() {
            assertEquals(List.of(message("x")), EventStreamParser.parse("foo: bar\ndata: x\nbaz\n\n"));
        }

        @Test
        @DisplayName("field names are case-sensitive: Data and EVENT are unknown fields")
        void fieldNamesCaseSensitive() {
            assertEquals(List.of(new ServerSentEvent("y", "x", "")),
                    EventStreamParser.parse("Data: no\nEVENT: no\n\nevent: y\nDATA: no\ndata: x\n\n"));
        }

        @Test
        @DisplayName("a space before the colon is part of the field name, so 'data : x' is ignored")
        void spaceBeforeColon() {
            assertEquals(List.of(), EventStreamParser.parse("data : x\n\n"));
        }

        @Test
        @DisplayName("only the first colon separates name and value: 'data: a:b' carries 'a:b'")
        void colonInValue() {
            assertEquals(List.of(message("a:b"), message("a: b"), message("http://x")),
                    EventStreamParser.parse("data: a:b\n\ndata:a: b\n\ndata:http://x\n\n"));
        }

        @Test
        @DisplayName("only one leading space is removed, and trailing spaces are kept")
        void spacesInValue() {
            assertEquals(List.of(message(" x "), message("x  ")),
                    EventStreamParser.parse("data:  x \n\ndata: x  \n\n"));
        }
    }

    // ---- event type -------------------------------------------------------------------------

    @Nested
    @DisplayName("the event type")
    final class EventType {

        @Test
        @DisplayName("an event without an event field has the type message")
        void defaultType() {
            assertEquals(List.of(message("x")), EventStreamParser.parse("data: x\n\n"));
        }

        @Test
        @DisplayName("the type does not carry over to the next event")
        void typeResetAfterDispatch() {
            assertEquals(List.of(new ServerSentEvent("tick", "1", ""), message("2")),
                    EventStreamParser.parse("event: tick\ndata: 1\n\ndata: 2\n\n"));
        }

        @Test
        @DisplayName("a type in a block without data is dropped with that block")
        void typeResetWithoutDispatch() {
            assertEquals(List.of(message("x")), EventStreamParser.parse("event: ping\n\ndata: x\n\n"));
        }

        @Test
        @DisplayName("the last event field of a block wins, and an empty one means message")
        void lastTypeWins() {
            assertEquals(List.of(new ServerSentEvent("b", "1", ""), message("2")),
                    EventStreamParser.parse("event: a\nevent: b\ndata: 1\n\nevent: a\nevent\ndata: 2\n\n"));
        }
    }

    // ---- id ---------------------------------------------------------------------------------

    @Nested
    @DisplayName("the last event ID")
    final class LastEventId {

        @Test
        @DisplayName("is empty before any id field")
        void emptyAtFirst() {
            EventStreamParser parser = new EventStreamParser(new Recorder());
            assertEquals("", parser.lastEventId());
        }

        @Test
        @DisplayName("carries over to later events that have no id field")
        void carriesOver() {
            Recorder recorder = new Recorder();
            EventStreamParser parser = parseWith(recorder, "id: 7\ndata: a\n\ndata: b\n\n");

            assertEquals(List.of(message("a", "7"), message("b", "7")), recorder.events);
            assertEquals("7", parser.lastEventId());
        }

        @Test
        @DisplayName("is reset to empty by a bare id line or an empty id value")
        void bareIdResets() {
            assertEquals(List.of(message("a", "7"), message("b", ""), message("c", "8"), message("d", "")),
                    EventStreamParser.parse("id: 7\ndata: a\n\nid\ndata: b\n\nid: 8\ndata: c\n\nid:\ndata: d\n\n"));
        }

        @Test
        @DisplayName("an id containing a NUL character is ignored")
        void nulIgnored() {
            Recorder recorder = new Recorder();
            EventStreamParser parser = parseWith(recorder, "id: 1\ndata: a\n\nid: 2\u0000x\ndata: b\n\n");

            assertEquals(List.of(message("a", "1"), message("b", "1")), recorder.events);
            assertEquals("1", parser.lastEventId());
        }

        @Test
        @DisplayName("is updated by a blank line even when no event is dispatched")
        void updatedWithoutData() {
            Recorder recorder = new Recorder();
            EventStreamParser parser = new EventStreamParser(recorder);
            feed(parser, "id: 5\n");
            assertEquals("", parser.lastEventId(), "not yet: the block has not ended");

            feed(parser, "\n");
            assertEquals("5", parser.lastEventId());
            assertEquals(List.of(), recorder.events);
        }

        @Test
        @DisplayName("is not updated by an unterminated block at the end of the stream")
        void notUpdatedByDroppedBlock() {
            Recorder recorder = new Recorder();
            EventStreamParser parser = parseWith(recorder, "id: 1\ndata: a\n\nid: 2\ndata: b\n");

            assertEquals(List.of(message("a", "1")), recorder.events);
            assertEquals("1", parser.lastEventId());
        }
    }

    // ---- retry ------------------------------------------------------------------------------

    @Nested
    @DisplayName("the retry field")
    final class Retry {

        @Test
        @DisplayName("the reconnection time is -1 before any retry field")
        void noneYet() {
            assertEquals(-1, new EventStreamParser(new Recorder()).retryMillis());
        }

        @Test
        @DisplayName("a value of ASCII digits sets the reconnection time at once, without a blank line")
        void digitsAccepted() {
            Recorder recorder = new Recorder();
            EventStreamParser parser = new EventStreamParser(recorder);
            feed(parser, "retry: 3000\n");

            assertEquals(3000, parser.retryMillis());
            assertEquals(List.of(3000L), recorder.retries);
            assertEquals(List.of(), recorder.events);
        }

        @Test
        @DisplayName("zero is a valid reconnection time")
        void zero() {
            Recorder recorder = new Recorder();
            assertEquals(0, parseWith(recorder, "retry:0\n").retryMillis());
        }

        @Test
        @DisplayName("a value that is not only ASCII digits is ignored and keeps the earlier time")
        void othersIgnored() {
            Recorder recorder = new Recorder();
            EventStreamParser parser = parseWith(recorder, """
                    retry: 1000
                    retry: 3000ms
                    retry: -1
                    retry: 1.5
                    retry: +5
                    retry:\s
                    retry:
                    retry
                    retry:  3000
                    retry: 3000\s
                    retry: \u0663
                    retry: 99999999999999999999
                    """);

            assertEquals(1000, parser.retryMillis());
            assertEquals(List.of(1000L), recorder.retries);
        }

        @Test
        @DisplayName("a later valid value replaces the earlier one")
        void laterWins() {
            Recorder recorder = new Recorder();
            EventStreamParser parser = parseWith(recorder, "retry: 1000\nretry: 250\n");

            assertEquals(250, parser.retryMillis());
            assertEquals(List.of(1000L, 250L), recorder.retries);
        }

        @Test
        @DisplayName("a retry field does not disturb the event around it")
        void retryInsideEvent() {
            assertEquals(List.of(message("a\nb")), EventStreamParser.parse("data: a\nretry: 10\ndata: b\n\n"));
        }
    }

    // ---- data and dispatch ------------------------------------------------------------------

    @Nested
    @DisplayName("data and dispatch")
    final class Dispatch {

        @Test
        @DisplayName("a block without data lines dispatches nothing")
        void noDataNoEvent() {
            assertEquals(List.of(), EventStreamParser.parse("event: x\nid: 1\n\n"));
        }

        @Test
        @DisplayName("a single empty data line dispatches an event with empty data")
        void emptyData() {
            assertEquals(List.of(message(""), message("")), EventStreamParser.parse("data:\n\ndata: \n\n"));
        }

        @Test
        @DisplayName("two empty data lines give data of one line feed")
        void twoEmptyDataLines() {
            assertEquals(List.of(message("\n")), EventStreamParser.parse("data:\ndata:\n\n"));
        }

        @Test
        @DisplayName("only the last line feed is removed from the data")
        void onlyLastLineFeedRemoved() {
            assertEquals(List.of(message("a\n")), EventStreamParser.parse("data: a\ndata\n\n"));
        }

        @Test
        @DisplayName("an event cut off in the middle of a line at the end of the stream is dropped")
        void unterminatedLineDropped() {
            assertEquals(List.of(message("a")), EventStreamParser.parse("data: a\n\ndata: b"));
        }

        @Test
        @DisplayName("a last complete line without a blank line after it is dropped")
        void missingBlankLineDropped() {
            assertEquals(List.of(message("a")), EventStreamParser.parse("data: a\n\ndata: b\n"));
            assertEquals(List.of(message("a")), EventStreamParser.parse("data: a\r\n\r\ndata: b\r\n"));
        }

        @Test
        @DisplayName("a CR as the very last byte ends the line but is no blank line, so the event is dropped")
        void trailingCrDropped() {
            assertEquals(List.of(), EventStreamParser.parse("data: a\r"));
        }

        @Test
        @DisplayName("an empty stream has no events")
        void emptyStream() {
            assertEquals(List.of(), EventStreamParser.parse(""));
        }
    }

    // ---- end of stream ----------------------------------------------------------------------

    @Test
    @DisplayName("feeding after the end of the stream is an error")
    void feedAfterEndThrows() {
        EventStreamParser parser = new EventStreamParser(new Recorder());
        parser.end();

        assertThrows(IllegalStateException.class, () -> feed(parser, "data: x\n\n"));
    }
}
