package sse.support;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LessonTest {

    @Test
    @DisplayName("the URLs printed for the room: none on loopback, the host itself, or every address of this machine")
    void addressesOthersCanUse() {
        assertEquals(List.of(), Lesson.addressesFor("127.0.0.1"));
        assertEquals(List.of(), Lesson.addressesFor("localhost"));
        assertEquals(List.of("192.0.2.10"), Lesson.addressesFor("192.0.2.10"));
        List<String> all = Lesson.addressesFor("0.0.0.0");
        assertFalse(all.contains("127.0.0.1"), all::toString);
        assertTrue(all.stream().allMatch(address -> address.matches("\\d+\\.\\d+\\.\\d+\\.\\d+")), all::toString);
    }

    @Test
    @DisplayName("the pages are found from a module's folder as well as from the repository's root")
    void findsThePages() {
        assertTrue(java.nio.file.Files.isDirectory(Lesson.webRoot().resolve("assets")));
    }
}
