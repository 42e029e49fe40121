package sse.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ToolsTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Tools.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void help_prints_the_usage_and_exits_0() {
        assertEquals(0, run("--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("starters --check"));
    }

    @Test
    void an_unknown_command_or_option_prints_an_error_and_the_usage_and_exits_2() {
        assertEquals(2, run("frobnicate"));
        String printed = err.toString(StandardCharsets.UTF_8);
        assertTrue(printed.startsWith("error: unknown command 'frobnicate'\n"), printed);
        assertTrue(printed.contains("Usage:"), printed);
        assertEquals(2, run("starters", "--fix"));
        assertEquals(2, run("docs"));
        assertEquals(2, run());
    }

    @Test
    void the_root_is_found_from_any_folder_inside_it(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("lessons/01-a/src"));
        Files.createDirectories(dir.resolve("solutions"));
        Files.writeString(dir.resolve("pom.xml"), "<project/>");
        assertEquals(dir.toAbsolutePath().normalize(), Tools.findRoot(dir.resolve("lessons/01-a/src")));
        assertThrows(Tools.UsageException.class, () -> Tools.findRoot(dir.getParent()));
    }
}
