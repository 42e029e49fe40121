package sse.tools;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StartersTest {

    private static String lines(String... lines) {
        return String.join("\n", lines) + "\n";
    }

    private static String derive(String solution, String stubs) throws Starters.StarterException {
        return Starters.derive(solution, "demo/Demo.java", Starters.Stubs.parse(stubs, "stubs"), todo -> false);
    }

    private static String error(String solution) {
        return assertThrows(Starters.StarterException.class, () -> derive(solution, "")).getMessage();
    }

    // --- the transformation ---------------------------------------------------------------------

    @Test
    @DisplayName("a region becomes its stub, indented like its marker")
    void a_region_becomes_its_stub() throws Exception {
        String solution = lines(
                "class Demo {",
                "    void run() {",
                "        // solution:begin TODO 1",
                "        stream.send(\"tick\");",
                "        // solution:end",
                "    }",
                "}");
        String stubs = lines(
                "# a comment",
                "== demo/Demo.java TODO 1",
                "throw Todo.todo(1, \"send a tick\",",
                "        \"docs/01.md#todo-1\");",
                "",
                "");
        assertEquals(lines(
                "class Demo {",
                "    void run() {",
                "        throw Todo.todo(1, \"send a tick\",",
                "                \"docs/01.md#todo-1\");",
                "    }",
                "}"), derive(solution, stubs));
    }

    @Test
    @DisplayName("a region without a stub is left out, and the rest is copied as it is")
    void a_region_without_a_stub_is_dropped() throws Exception {
        String solution = lines("import a.B;", "// solution:begin TODO 2", "import c.D;", "// solution:end", "class X {}");
        assertEquals(lines("import a.B;", "class X {}"), derive(solution, ""));
    }

    @Test
    @DisplayName("blocks of one file and TODO replace its regions in order; an empty stub line stays empty")
    void blocks_are_taken_in_order() throws Exception {
        String solution = lines(
                "  // solution:begin TODO 1", "  a();", "  // solution:end",
                "  mid();",
                "  // solution:begin TODO 1", "  b();", "  // solution:end");
        String stubs = lines("== demo/Demo.java TODO 1", "first();", "", "x();", "== demo/Demo.java TODO 1", "second();");
        assertEquals(lines("  first();", "", "  x();", "  mid();", "  second();"), derive(solution, stubs));
    }

    @Test
    @DisplayName("regions of the TODOs marked done keep their finished lines")
    void done_regions_keep_the_solution() throws Exception {
        String solution = lines(
                "// solution:begin TODO 1", "one();", "// solution:end",
                "// solution:begin TODO 2", "two();", "// solution:end");
        Starters.Stubs stubs = Starters.Stubs.parse(lines("== demo/Demo.java TODO 1", "todo1();",
                "== demo/Demo.java TODO 2", "todo2();"), "stubs");
        assertEquals(lines("one();", "todo2();"), Starters.derive(solution, "demo/Demo.java", stubs, todo -> todo == 1));
        assertEquals(Set.of(1, 2), Starters.todos(solution));
    }

    @Test
    void a_file_without_regions_is_copied_verbatim_with_or_without_a_final_newline() throws Exception {
        assertEquals("a\nb\n", derive("a\nb\n", ""));
        assertEquals("a\nb", derive("a\nb", ""));
    }

    @Test
    @DisplayName("carried code is finished, says where it comes from, and its TODOs are the earlier lesson's")
    void carried_code() throws Exception {
        String carried = Starters.carried(lines("package p;", "  // TODO 3: do it.", "  // solution:begin TODO 3",
                "  done();", "  // solution:end"), "solutions/04-x/src/main/java/p/A.java", "04-x");
        assertEquals(lines("// Lesson 04-x's finished code, generated from solutions/04-x/src/main/java/p/A.java:"
                        + " edit that file, then run " + Tools.RUN + "\"starters --write\".",
                "package p;", "  // Lesson 04, TODO 3 (done): do it.", "  done();"), carried);
    }

    @Test
    void a_nested_begin_is_an_error() {
        assertTrue(error(lines("// solution:begin TODO 1", "// solution:begin TODO 2", "// solution:end"))
                .startsWith("demo/Demo.java:2: a region begins inside the region that begins at line 1"));
    }

    @Test
    void an_end_marker_without_begin_is_an_error() {
        assertTrue(error(lines("a", "// solution:end")).startsWith("demo/Demo.java:2: '// solution:end' without"));
    }

    @Test
    void a_region_still_open_at_the_end_of_the_file_is_an_error_at_its_begin() {
        assertTrue(error(lines("a", "// solution:begin TODO 1", "b")).startsWith("demo/Demo.java:2: the region that begins here is not closed"));
    }

    @Test
    @DisplayName("a marker without its TODO number, misspelt, or of the old kind is an error, not copied into the starter")
    void a_misspelt_marker_is_an_error() {
        for (String marker : List.of("// solution:begin", "// solution: begin TODO 1", "// solution:starter", "//solution:end x")) {
            assertTrue(error(lines("a", marker, "b")).startsWith("demo/Demo.java:2: looks like a marker but is not one"), marker);
        }
    }

    @Test
    void a_bad_block_header_or_text_before_the_first_block_is_an_error() {
        assertTrue(assertThrows(Starters.StarterException.class, () -> Starters.Stubs.parse("== Demo.java 1\n", "s"))
                .getMessage().startsWith("s:1: a block header is"));
        assertTrue(assertThrows(Starters.StarterException.class, () -> Starters.Stubs.parse("x();\n", "s"))
                .getMessage().startsWith("s:1: text before the first"));
    }

    // --- check and write on a small repository ----------------------------------------------------

    private static Path demo(Path root) throws IOException {
        Path solution = root.resolve("solutions/01-demo/src/main/java/demo");
        Files.createDirectories(solution);
        Files.createDirectories(root.resolve("lessons/01-demo"));
        Files.createDirectories(root.resolve("tools"));
        Files.writeString(solution.resolve("App.java"), lines(
                "class App {", "    // solution:begin TODO 1", "    int x = 1;", "    // solution:end", "}"));
        Files.writeString(root.resolve("solutions/01-demo/starter-stubs.txt"), lines("== demo/App.java TODO 1", "int x = 0;"));
        Path test = root.resolve("solutions/01-demo/src/test/java/demo/AppTest.java");
        Files.createDirectories(test.getParent());
        Files.writeString(test, "class AppTest {}\n");
        return root.resolve("lessons/01-demo/src");
    }

    @Test
    @DisplayName("write generates starters, tests and carried code; check then finds nothing")
    void write_generates_and_check_agrees(@TempDir Path root) throws IOException {
        Path lesson = demo(root);
        Files.createDirectories(root.resolve("carried/01-demo"));
        Files.writeString(root.resolve("carried/01-demo/carry.txt"), lines("# what", "demo/App.java"));

        List<String> problems = Starters.differences(root);
        assertTrue(problems.contains("lessons/01-demo/src/main/java/demo/App.java: missing (the solution has this file)"), problems::toString);
        assertTrue(problems.contains("lessons/01-demo/src/test/java/demo/AppTest.java: missing (the solution has this file)"), problems::toString);
        assertTrue(run(out -> Starters.check(root, out), 1).contains("exec:java -Dexec.args=\"starters --write\""));

        String output = run(out -> Starters.write(root, false, out), 0);
        assertTrue(output.contains("created lessons/01-demo/src/main/java/demo/App.java"), output);
        assertEquals(lines("class App {", "    int x = 0;", "}"), Files.readString(lesson.resolve("main/java/demo/App.java")));
        assertEquals("class AppTest {}\n", Files.readString(lesson.resolve("test/java/demo/AppTest.java")));
        assertTrue(Files.readString(root.resolve("carried/01-demo/src/main/java/demo/App.java")).contains("    int x = 1;"));
        assertEquals(List.of(), Starters.differences(root));
        assertTrue(run(out -> Starters.write(root, false, out), 0).contains("already up to date"));
    }

    @Test
    @DisplayName("write never replaces an edited starter without --force, and backs it up with it")
    void write_keeps_edits(@TempDir Path root) throws IOException {
        Path lesson = demo(root);
        run(out -> Starters.write(root, false, out), 0);
        Path app = lesson.resolve("main/java/demo/App.java");
        Path extra = lesson.resolve("main/java/demo/Mine.java");
        String edited = lines("class App {", "    int x = 42; // the learner's answer", "}");
        Files.writeString(app, edited);
        Files.writeString(extra, "class Mine {}\n");
        // The solution changes too: the starter must be generated again.
        Files.writeString(root.resolve("solutions/01-demo/starter-stubs.txt"), lines("== demo/App.java TODO 1", "int x = -1;"));

        String refused = run(out -> Starters.write(root, false, out), 1);
        assertTrue(refused.contains("lessons/01-demo/src/main/java/demo/App.java"), refused);
        assertTrue(refused.contains("lessons/01-demo/src/main/java/demo/Mine.java"), refused);
        assertEquals(edited, Files.readString(app), "nothing is written without --force");
        assertTrue(Files.exists(extra));

        String forced = run(out -> Starters.write(root, true, out), 0);
        Matcher backup = Pattern.compile("are in (\\.backups/\\S+/)").matcher(forced);
        assertTrue(backup.find(), forced);
        assertEquals(edited, Files.readString(root.resolve(backup.group(1)).resolve("lessons/01-demo/src/main/java/demo/App.java")));
        assertEquals("class Mine {}\n", Files.readString(root.resolve(backup.group(1)).resolve("lessons/01-demo/src/main/java/demo/Mine.java")));
        assertEquals(lines("class App {", "    int x = -1;", "}"), Files.readString(app));
        assertFalse(Files.exists(extra));
    }

    @Test
    @DisplayName("a file the generator wrote last is replaced without --force when its solution changes")
    void generated_files_are_replaced(@TempDir Path root) throws IOException {
        Path lesson = demo(root);
        run(out -> Starters.write(root, false, out), 0);
        Files.writeString(root.resolve("solutions/01-demo/starter-stubs.txt"), lines("== demo/App.java TODO 1", "int x = 7;"));
        assertTrue(run(out -> Starters.write(root, false, out), 0).contains("updated lessons/01-demo/src/main/java/demo/App.java"));
        assertEquals(lines("class App {", "    int x = 7;", "}"), Files.readString(lesson.resolve("main/java/demo/App.java")));
        assertFalse(Files.exists(root.resolve(".backups")), "nothing to back up");
    }

    @Test
    @DisplayName("reset puts one lesson's starter back and keeps the learner's files in a named backup")
    void reset_restores_one_lesson(@TempDir Path root) throws IOException {
        Path lesson = demo(root);
        run(out -> Starters.write(root, false, out), 0);
        Path app = lesson.resolve("main/java/demo/App.java");
        Path test = lesson.resolve("test/java/demo/AppTest.java");
        Path mine = lesson.resolve("main/java/demo/Mine.java");
        Files.writeString(app, "class App { int x = 1; }\n");
        Files.writeString(test, "class AppTest { /* changed */ }\n");
        Files.writeString(mine, "class Mine {}\n");

        assertTrue(run(out -> Starters.reset(root, "02", out), 2).contains("matches no lesson"));
        String output = run(out -> Starters.reset(root, "01", out), 0);

        assertEquals(lines("class App {", "    int x = 0;", "}"), Files.readString(app));
        assertEquals("class AppTest {}\n", Files.readString(test));
        assertFalse(Files.exists(mine));
        Matcher backup = Pattern.compile("is in (\\.backups/reset-01-demo-\\S+/)").matcher(output);
        assertTrue(backup.find(), output);
        Path saved = root.resolve(backup.group(1)).resolve("lessons/01-demo/src");
        assertEquals("class App { int x = 1; }\n", Files.readString(saved.resolve("main/java/demo/App.java")));
        assertEquals("class AppTest { /* changed */ }\n", Files.readString(saved.resolve("test/java/demo/AppTest.java")));
        assertEquals("class Mine {}\n", Files.readString(saved.resolve("main/java/demo/Mine.java")));
        assertTrue(run(out -> Starters.reset(root, "01-demo", out), 0).contains("already as it starts"));
    }

    @Test
    @DisplayName("code marked as unchanged from an earlier lesson must be what that lesson has, TODO comments aside")
    void unchanged_copies_are_checked(@TempDir Path root) throws IOException {
        Path early = root.resolve("solutions/01-demo/src/main/java/demo/App.java");
        Path late = root.resolve("solutions/02-next/src/main/java/next/Next.java");
        Files.createDirectories(early.getParent());
        Files.createDirectories(late.getParent());
        Files.writeString(early, lines("class App {", "    void a() {", "        // TODO 1: do it.", "        //   really.",
                "        // solution:begin TODO 1", "        one();", "        // solution:end", "    }", "}"));
        Files.writeString(late, lines("class Next {", "    // From lesson 01 (App.java), unchanged:", "    void a() {",
                "        one();", "    }", "    // (end of lesson 01's code)", "}"));
        assertEquals(List.of(), Starters.unchangedCopies(root));

        Files.writeString(late, lines("class Next {", "    // From lesson 01 (App.java), unchanged:", "    void a() {",
                "        two();", "    }", "    // (end of lesson 01's code)", "}"));
        assertEquals(List.of("solutions/02-next/src/main/java/next/Next.java:2: these 3 lines are no longer what lesson 01's"
                + " App.java has; make them the same, or end the marked part before the change"), Starters.unchangedCopies(root));

        Files.writeString(late, lines("// From lesson 01 (Gone.java), unchanged:", "x", "// (end of lesson 01's code)",
                "// From lesson 01 (App.java), unchanged:", "y"));
        assertEquals(List.of("solutions/02-next/src/main/java/next/Next.java:1: lesson 01 has no Gone.java",
                "solutions/02-next/src/main/java/next/Next.java:4: no '// (end of lesson 01's code)' closes this"),
                Starters.unchangedCopies(root));
    }

    @Test
    void a_lesson_without_a_solution_a_broken_solution_or_an_unused_stub_is_reported_and_nothing_is_written(@TempDir Path root)
            throws IOException {
        Files.createDirectories(root.resolve("lessons/02-orphan/src/main"));
        Path solution = root.resolve("solutions/01-demo/src/main/java/App.java");
        Files.createDirectories(solution.getParent());
        Files.writeString(solution, lines("a", "// solution:begin TODO 1", "b"));
        Files.writeString(root.resolve("solutions/01-demo/starter-stubs.txt"), lines("== Other.java TODO 1", "x"));

        String output = run(out -> Starters.write(root, false, out), 1);
        assertTrue(output.contains("lessons/02-orphan: has no solution"), output);
        assertTrue(output.contains("solutions/01-demo/src/main/java/App.java:2: "), output);
        assertTrue(output.contains("the block '== Other.java TODO 1' has no region"), output);
        assertFalse(Files.exists(root.resolve("lessons/01-demo")), "nothing written");
    }

    interface Command {
        int run(PrintStream out) throws IOException;
    }

    private static String run(Command command, int expectedExitCode) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int exitCode = command.run(out);
        String output = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(expectedExitCode, exitCode, output);
        return output;
    }
}
