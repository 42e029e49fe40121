package sse.support;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MediaTypeTest {

    @Test
    @DisplayName("type, subtype and parameter names are case-insensitive; values keep their case")
    void readsTheGrammar() {
        MediaType type = MediaType.parse("Application/JSON ; Charset=\"UTF-8\";  q=1");
        assertTrue(type.is("application", "json"));
        assertEquals(List.of("UTF-8"), type.values("charset"));
        assertEquals(List.of("1"), type.values("Q"));
        assertEquals(List.of("a\"b"), MediaType.parse("text/plain; x=\"a\\\"b\"").values("x"));
        assertEquals(List.of("u", "v"), MediaType.parse("a/b;x=u;x=v").values("x"), "a parameter given twice is kept twice");
        assertEquals(List.of(), MediaType.parse("a/b;;").parameters(), "empty parameters are allowed by the grammar");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", ";", ";;", " ; ", "/", "a/", "/b", "a b/c", "a/b c", "a/b;x", "a/b;x=", "a/b;=v",
            "a/b;x=\"open", "a/b;x=\"\\", "a/b junk", "a/b;x=v junk", "\u00e9/b", "a/b;x=\u0000", "a\u0000/b"})
    @DisplayName("anything that is not a media type is an Invalid that says why, never another exception")
    void refusesWhatIsNotOne(String value) {
        MediaType.Invalid invalid = assertThrows(MediaType.Invalid.class, () -> MediaType.parse(value));
        assertFalse(invalid.getMessage().isBlank());
    }

    @Test
    @DisplayName("ten thousand random header values: each is read or refused as Invalid")
    void randomValues() {
        Random random = new Random(20261129);
        String alphabet = "aA/;= \"\\\t,ée\u0000\u00ff-+.*";
        for (int i = 0; i < 10_000; i++) {
            StringBuilder value = new StringBuilder();
            int length = random.nextInt(24);
            for (int j = 0; j < length; j++) {
                value.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            try {
                MediaType.parse(value.toString());
            } catch (MediaType.Invalid expected) {
                // refused with a reason: fine
            }
        }
    }
}
