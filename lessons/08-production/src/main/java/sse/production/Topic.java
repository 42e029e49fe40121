package sse.production;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * What a stream can carry. One {@code EventSource} asks for several with {@code ?topics=movies,stats}
 * and tells them apart by the event's name: one connection instead of one per topic, which matters
 * when a browser allows only six per site over HTTP/1.1.
 */
public enum Topic {
    /** every posted movie, as a {@code movie} event with its id (replayed after {@code Last-Event-ID}) */
    MOVIES,
    /** the server's own figures every few seconds, as a {@code stats} event without an id */
    STATS;

    /** The longest {@code topics} value read: every topic's name, with commas, fits well inside it. */
    static final int MAX_PARAMETER_LENGTH = 100;

    /** The topics named in {@code ?topics=}, every topic when there is no parameter. */
    public static Set<Topic> parse(String parameter) {
        if (parameter == null) {
            return EnumSet.allOf(Topic.class);
        }
        if (parameter.length() > MAX_PARAMETER_LENGTH) {
            throw new IllegalArgumentException("topics is longer than " + MAX_PARAMETER_LENGTH + " characters");
        }
        Set<Topic> topics = EnumSet.noneOf(Topic.class);
        for (String name : parameter.split(",", -1)) {
            topics.add(named(name.trim()));
        }
        return topics;
    }

    private static Topic named(String name) {
        for (Topic topic : values()) {
            if (topic.name().toLowerCase(Locale.ROOT).equals(name)) {
                return topic;
            }
        }
        throw new IllegalArgumentException("unknown topic \"" + printable(name) + "\": topics are movies and stats, "
                + "separated by commas, e.g. ?topics=movies,stats");
    }

    /** The name as the error message shows it: at most 40 characters, control characters as '?'. */
    private static String printable(String name) {
        String shown = name.length() > 40 ? name.substring(0, 40) + "..." : name;
        return shown.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }
}
