package sse.check;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Seeded random {@code Last-Event-ID} values, and what a strict server must read from each: ids in and
 * out of range, with leading zeros, padded with spaces and tabs, signed, huge, broken by one stray byte,
 * and bytes of every kind. A value that is not an id must get a reset (or a snapshot), never a replay
 * from some id the server guessed. The same seed gives the same values.
 */
public final class LastEventIdFuzz {

    /** Characters a header value may carry: tab, space to '~', and 0x80 to 0xFF (sent as one byte each, ISO-8859-1). */
    private static final String[] ODD = {"+", "-", ".", "e", "x", "0x", " ", "\t", ",", ";", "\u00a0", "\u00bd", "\u00b2",
            "\u00b9", "\u00ff", "\u0080", "%35", "%", "\""};
    /** Digit-like characters beyond Latin-1: only where a value is not a header (a query). */
    private static final String[] WIDE = {"\uff15", "\u0663", "\u0969", "\ud835\udfd3", "\u2075"};

    private LastEventIdFuzz() {
    }

    /**
     * A random value around the ids {@code 0} to {@code newest}. With {@code headerSafe}, every character is
     * one HTTP allows in a header value (tab, space to '~', U+0080 to U+00FF); else any, for a query.
     */
    public static String value(Random random, long newest, boolean headerSafe) {
        long near = (long) random.nextInt((int) Math.min(Integer.MAX_VALUE - 10, newest) + 10) - 2;
        String id = Long.toString(Math.max(0, near));
        return switch (random.nextInt(headerSafe ? 10 : 11)) {
            case 0, 1 -> id;
            case 2 -> "0".repeat(1 + random.nextInt(24)) + id;
            case 3 -> pick(random, "9999999999999999999", "18446744073709551616", Long.toString(Long.MAX_VALUE),
                    "9223372036854775808", "1" + "0".repeat(30), "0".repeat(19), "0".repeat(20) + "1");
            case 4 -> "-" + id;
            case 5 -> blanks(random) + id + blanks(random);
            case 6 -> insert(random, id, ODD[random.nextInt(ODD.length)]);
            case 7 -> noise(random, random.nextInt(9));
            case 8 -> "";
            case 9 -> id.charAt(0) + blanks(random) + " " + id;
            default -> insert(random, id, WIDE[random.nextInt(WIDE.length)]);
        };
    }

    /**
     * The id a strict server reads from {@code value} as it arrives (after HTTP has dropped the spaces and
     * tabs around a header's value): only ASCII digits, one to 19 of them, that fit a {@code long}. Empty
     * for anything else, the empty value included (which means "no id": a fresh start).
     */
    public static OptionalLong id(String value) {
        if (value.isEmpty() || value.length() > 19 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(value));
        } catch (NumberFormatException tooLarge) {
            return OptionalLong.empty();
        }
    }

    /**
     * Opens {@code count} streams ten at a time: {@code open} opens stream {@code n} (and returns at once),
     * then {@code check} checks each of the ten and names its outcome ("replay", "reset" ...). Ten at once
     * keeps the run short when each check waits for a stream's first heartbeat. Returns the outcomes, counted.
     */
    public static <T> TreeMap<String, Integer> inBatches(int count, IntFunction<T> open, Function<T, String> check) {
        TreeMap<String, Integer> outcomes = new TreeMap<>();
        for (int first = 0; first < count; first += 10) {
            List<T> batch = new ArrayList<>();
            for (int n = first; n < Math.min(count, first + 10); n++) {
                batch.add(open.apply(n));
            }
            batch.forEach(opened -> outcomes.merge(check.apply(opened), 1, Integer::sum));
        }
        return outcomes;
    }

    /** A header's value as the server sees it: without the spaces and tabs around it (HTTP's optional whitespace). */
    public static String asReceived(String headerValue) {
        int from = 0;
        int to = headerValue.length();
        while (from < to && (headerValue.charAt(from) == ' ' || headerValue.charAt(from) == '\t')) {
            from++;
        }
        while (to > from && (headerValue.charAt(to - 1) == ' ' || headerValue.charAt(to - 1) == '\t')) {
            to--;
        }
        return headerValue.substring(from, to);
    }

    /** Up to {@code length} characters HTTP allows in a header value: tab, space to '~', U+0080 to U+00FF. */
    private static String noise(Random random, int length) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int c = random.nextInt(1 + 95 + 128);
            text.append(c == 0 ? '\t' : c <= 95 ? (char) (0x1F + c) : (char) (0x80 + c - 96));
        }
        return text.toString();
    }

    private static String blanks(Random random) {
        StringBuilder blanks = new StringBuilder();
        for (int n = random.nextInt(4); n > 0; n--) {
            blanks.append(random.nextBoolean() ? ' ' : '\t');
        }
        return blanks.toString();
    }

    private static String insert(Random random, String text, String piece) {
        int at = random.nextInt(text.length() + 1);
        return text.substring(0, at) + piece + text.substring(at);
    }

    private static String pick(Random random, String... choices) {
        return choices[random.nextInt(choices.length)];
    }
}
