package sse.tools;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one-line JSON objects that {@link CapacityClient} answers with: flat, with numbers, booleans and
 * strings only. Enough to pass results between two processes of this module without a JSON library.
 */
final class FlatJson {

    private static final Pattern MEMBER =
            Pattern.compile("\"(\\w+)\":(\"((?:[^\"\\\\]|\\\\.)*)\"|[^,}]+)");

    private FlatJson() {
    }

    /** An object of the given names and values: {@code of("connected", 10, "reasons", "{}")}. */
    static String of(Object... namesAndValues) {
        StringBuilder json = new StringBuilder("{");
        for (int i = 0; i + 1 < namesAndValues.length; i += 2) {
            if (i > 0) {
                json.append(',');
            }
            json.append('"').append(namesAndValues[i]).append("\":");
            Object value = namesAndValues[i + 1];
            if (value instanceof Number || value instanceof Boolean) {
                json.append(value);
            } else {
                json.append('"').append(String.valueOf(value).replace("\\", "\\\\").replace("\"", "\\\"")
                        .replaceAll("[\\x00-\\x1f]", " ")).append('"');
            }
        }
        return json.append('}').toString();
    }

    /** The members of an object written by {@link #of}, as text (strings without their quotes). */
    static Map<String, String> parse(String line) {
        Map<String, String> members = new LinkedHashMap<>();
        Matcher member = MEMBER.matcher(line);
        while (member.find()) {
            String value = member.group(3) != null
                    ? member.group(3).replace("\\\"", "\"").replace("\\\\", "\\")
                    : member.group(2).trim();
            members.put(member.group(1), value);
        }
        return members;
    }
}
