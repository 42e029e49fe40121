package sse.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@code Content-Type} value read by the grammar of RFC 9110, section 8.3.1, so that whatever a
 * client sends yields either a media type or an {@link Invalid} that says where it went wrong,
 * never another exception:
 *
 * <pre>
 *   media-type = type "/" subtype *( OWS ";" OWS [ parameter ] )
 *   parameter  = token "=" ( token / quoted-string )
 * </pre>
 *
 * Type, subtype and parameter names are compared without regard to case, so they are kept in lower
 * case; parameter values are kept as sent (a quoted one without its quotes and escapes).
 */
public record MediaType(String type, String subtype, List<Parameter> parameters) {

    /** One {@code name=value} parameter; the name in lower case. */
    public record Parameter(String name, String value) {
    }

    /** A value that is not a media type; the message says what is wrong and where. */
    public static final class Invalid extends IllegalArgumentException {
        Invalid(String message) {
            super(message, null);
        }
    }

    public MediaType {
        parameters = List.copyOf(parameters);
    }

    /** Whether this is {@code type/subtype}, case aside. */
    public boolean is(String type, String subtype) {
        return this.type.equals(type.toLowerCase(Locale.ROOT)) && this.subtype.equals(subtype.toLowerCase(Locale.ROOT));
    }

    /** Every value given for the parameter {@code name}, in order: none, one, or (a client's mistake) several. */
    public List<String> values(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        return parameters.stream().filter(p -> p.name().equals(wanted)).map(Parameter::value).toList();
    }

    /** Reads a header's value; any string gives a media type or an {@link Invalid}. */
    public static MediaType parse(String value) {
        return new Reader(value).mediaType();
    }

    /** One pass over the value; {@code at} is the index of the next character. */
    private static final class Reader {
        private final String text;
        private int at;

        Reader(String text) {
            this.text = text;
        }

        MediaType mediaType() {
            skipWhitespace(); // a field value's leading and trailing whitespace is not part of it
            String type = token("a type, like application");
            expect('/');
            String subtype = token("a subtype after the /, like json");
            List<Parameter> parameters = new ArrayList<>();
            while (true) {
                skipWhitespace();
                if (at == text.length()) {
                    return new MediaType(type.toLowerCase(Locale.ROOT), subtype.toLowerCase(Locale.ROOT), parameters);
                }
                expect(';');
                skipWhitespace();
                if (at == text.length() || text.charAt(at) == ';') {
                    continue; // an empty parameter, as in "application/json;" or ";;", is allowed
                }
                String name = token("a parameter name after the ;");
                expect('=');
                String value = at < text.length() && text.charAt(at) == '"' ? quotedString() : token("a value after " + name + "=");
                parameters.add(new Parameter(name.toLowerCase(Locale.ROOT), value));
            }
        }

        private String token(String what) {
            int start = at;
            while (at < text.length() && isTokenChar(text.charAt(at))) {
                at++;
            }
            if (at == start) {
                throw invalid("expected " + what);
            }
            return text.substring(start, at);
        }

        private String quotedString() {
            StringBuilder value = new StringBuilder();
            at++; // the opening quote
            while (at < text.length()) {
                char c = text.charAt(at++);
                if (c == '"') {
                    return value.toString();
                }
                if (c == '\\') {
                    if (at == text.length() || !isQuotedPairChar(text.charAt(at))) {
                        throw invalid("expected a character after \\ in a quoted value");
                    }
                    value.append(text.charAt(at++));
                } else if (isQuotedTextChar(c)) {
                    value.append(c);
                } else {
                    at--;
                    throw invalid("a quoted value may not contain this character");
                }
            }
            throw invalid("a quoted value is not closed with \"");
        }

        private void expect(char wanted) {
            if (at == text.length() || text.charAt(at) != wanted) {
                throw invalid("expected " + wanted);
            }
            at++;
        }

        private void skipWhitespace() {
            while (at < text.length() && (text.charAt(at) == ' ' || text.charAt(at) == '\t')) {
                at++;
            }
        }

        private Invalid invalid(String problem) {
            return new Invalid(problem + (at < text.length()
                    ? " at character " + (at + 1) + " (" + describe(text.charAt(at)) + ")"
                    : " at the end"));
        }

        private static String describe(char c) {
            return c > ' ' && c < 0x7F ? "'" + c + "'" : String.format(Locale.ROOT, "U+%04X", (int) c);
        }
    }

    /** tchar: ALPHA, DIGIT and {@code !#$%&'*+-.^_`|~}. */
    static boolean isTokenChar(char c) {
        return c < 0x80 && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0);
    }

    /** qdtext: HTAB, SP, VCHAR except {@code "} and {@code \}, and obs-text (0x80 to 0xFF). */
    private static boolean isQuotedTextChar(char c) {
        return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E)
                || (c >= 0x80 && c <= 0xFF);
    }

    /** What may follow a backslash: HTAB, SP, VCHAR and obs-text. */
    private static boolean isQuotedPairChar(char c) {
        return c == '\t' || (c >= 0x20 && c <= 0x7E) || (c >= 0x80 && c <= 0xFF);
    }
}
