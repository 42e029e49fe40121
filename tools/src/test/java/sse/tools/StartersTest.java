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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StartersTest {

    private static String lines(String... lines) {
        return String.join("\n", lines) + "\n";
    }

    private static String derive(String solution) throws Starters.StarterException {
        return Starters.derive(solution, "Demo.java");
    }

    private static String error(String solution) {
        return assertThrows(Starters.StarterException.class, () -> derive(solution)).getMessage();
    }

    // --- the transformation ---------------------------------------------------------------------

    @Test
    void a_region_with_a_starter_part_becomes_its_uncommented_starter_lines() throws Exception {
        String solution = lines(
                "class Demo {",
                "    void run() {",
                "        // solution:begin",
                "        stream.send(\"tick\");",
                "        // solution:starter",
                "        // throw Todo.todo(1, \"send a tick\", \"docs/01.md#todo-1\");",
                "        // solution:end",
                "    }",
                "}");
        assertEquals(lines(
                "class Demo {",
                "    void run() {",
                "        throw Todo.todo(1, \"send a tick\", \"docs/01.md#todo-1\");",
                "    }",
                "}"), derive(solution));
    }

    @Test
    void a_region_without_a_starter_part_is_dropped() throws Exception {
        String solution = lines(
                "import a.B;",
                "// solution:begin",
                "import c.D;",
                "// solution:end",
                "class Demo {}");
        assertEquals(lines("import a.B;", "class Demo {}"), derive(solution));
    }

    @Test
    void several_regions_are_each_replaced_and_the_rest_is_copied_verbatim() throws Exception {
        String solution = lines(
                "one",
                "  // solution:begin",
                "  solution two",
                "  // solution:starter",
                "  // starter two",
                "  // solution:end",
                "three   ",
                "\t// solution:begin",
                "\tsolution four",
                "\t// solution:end",
                "five");
        assertEquals(lines("one", "  starter two", "three   ", "five"), derive(solution));
    }

    @Test
    void indentation_is_kept_and_only_the_first_comment_marker_is_removed() throws Exception {
        String solution = lines(
                "    // solution:begin",
                "    x();",
                "    // solution:starter",
                "    // if (done) {",
                "    //     // TODO 2: send the event",
                "    // }",
                "    // solution:end");
        assertEquals(lines(
                "    if (done) {",
                "        // TODO 2: send the event",
                "    }"), derive(solution));
    }

    @Test
    void a_bare_double_slash_in_the_starter_part_becomes_an_empty_line() throws Exception {
        String solution = lines(
                "        // solution:begin",
                "        x();",
                "        // solution:starter",
                "        // a();",
                "        //",
                "        // b();",
                "        // solution:end");
        assertEquals(lines("        a();", "", "        b();"), derive(solution));
    }

    @Test
    void a_file_without_regions_is_copied_verbatim_with_or_without_a_final_newline() throws Exception {
        assertEquals("a\n\n  b\n", derive("a\n\n  b\n"));
        assertEquals("a\nb", derive("a\nb"));
        assertEquals("", derive(""));
    }

    // --- errors, reported as file:line ----------------------------------------------------------

    @Test
    void a_nested_begin_is_an_error() {
        String message = error(lines("// solution:begin", "a", "  // solution:begin", "// solution:end"));
        assertTrue(message.startsWith("Demo.java:3: "), message);
        assertTrue(message.contains("nest"), message);
    }

    @Test
    void a_starter_marker_without_begin_is_an_error() {
        String message = error(lines("a", "// solution:starter", "// b", "// solution:end"));
        assertTrue(message.startsWith("Demo.java:2: "), message);
        assertTrue(message.contains("without"), message);
    }

    @Test
    void an_end_marker_without_begin_is_an_error() {
        String message = error(lines("a", "b", "    // solution:end"));
        assertTrue(message.startsWith("Demo.java:3: "), message);
        assertTrue(message.contains("without"), message);
    }

    @Test
    void a_region_still_open_at_the_end_of_the_file_is_an_error_at_its_begin() {
        String message = error(lines("a", "// solution:begin", "b", "// solution:starter", "// c"));
        assertTrue(message.startsWith("Demo.java:2: "), message);
        assertTrue(message.contains("not closed"), message);
    }

    @Test
    void a_starter_line_that_is_not_a_comment_is_an_error() {
        String message = error(lines("// solution:begin", "a", "// solution:starter", "// b", "c", "// solution:end"));
        assertTrue(message.startsWith("Demo.java:5: "), message);
        assertTrue(message.contains("not written as a comment"), message);
    }

    @Test
    void a_blank_or_unspaced_starter_line_is_an_error_too() {
        assertTrue(error(lines("// solution:begin", "// solution:starter", "", "// solution:end"))
                .startsWith("Demo.java:3: "));
        assertTrue(error(lines("// solution:begin", "// solution:starter", "//b()", "// solution:end"))
                .startsWith("Demo.java:3: "));
    }

    @Test
    void a_second_starter_marker_in_one_region_is_an_error() {
        String message = error(lines("// solution:begin", "// solution:starter", "// a",
                "// solution:starter", "// solution:end"));
        assertTrue(message.startsWith("Demo.java:4: "), message);
    }

    @Test
    void a_misspelt_marker_is_an_error_rather_than_copied_into_the_starter() {
        String message = error(lines("a", "    // solution: begin", "b"));
        assertTrue(message.startsWith("Demo.java:2: "), message);
        assertTrue(message.contains("looks like a marker"), message);
    }

    // --- check and write on a small repository ----------------------------------------------------

    @Test
    void check_reports_differing_missing_and_extra_files_and_write_fixes_them(@TempDir Path root) throws IOException {
        Path solution = root.resolve("solutions/01-demo/src/main/java/demo");
        Path lesson = root.resolve("lessons/01-demo/src/main/java/demo");
        Files.createDirectories(solution);
        Files.createDirectories(lesson.resolve("old"));
        Files.writeString(solution.resolve("App.java"), lines(
                "class App {", "    // solution:begin", "    int x = 1;", "    // solution:starter",
                "    // int x = 0;", "    // solution:end", "}"));
        Files.writeString(solution.resolve("New.java"), "class New {}\n");
        Files.writeString(lesson.resolve("App.java"), lines("class App {", "    int x = 2;", "}"));
        Files.writeString(lesson.resolve("old/Gone.java"), "class Gone {}\n");

        List<String> problems = Starters.differences(root);
        assertEquals(List.of(
                "lessons/01-demo/src/main/java/demo/App.java: line 2: expected '    int x = 0;' but found '    int x = 2;'",
                "lessons/01-demo/src/main/java/demo/New.java: missing (the solution has this file)",
                "lessons/01-demo/src/main/java/demo/old/Gone.java: extra (the solution has no such file)"),
                problems);
        String checkOutput = run(out -> Starters.check(root, out), 1);
        assertTrue(checkOutput.contains("exec:java -Dexec.args=\"starters --write\""), checkOutput);

        String writeOutput = run(out -> Starters.write(root, out), 0);
        assertTrue(writeOutput.contains("updated lessons/01-demo/src/main/java/demo/App.java"), writeOutput);
        assertTrue(writeOutput.contains("created lessons/01-demo/src/main/java/demo/New.java"), writeOutput);
        assertTrue(writeOutput.contains("deleted lessons/01-demo/src/main/java/demo/old/Gone.java"), writeOutput);
        assertEquals(lines("class App {", "    int x = 0;", "}"), Files.readString(lesson.resolve("App.java")));
        assertFalse(Files.exists(lesson.resolve("old")), "the emptied folder is removed");
        assertEquals(List.of(), Starters.differences(root));
        assertTrue(run(out -> Starters.write(root, out), 0).contains("already up to date"));
    }

    @Test
    void a_lesson_without_a_solution_or_a_broken_solution_is_reported_and_nothing_is_written(@TempDir Path root)
            throws IOException {
        Files.createDirectories(root.resolve("lessons/02-orphan/src/main"));
        Path solution = root.resolve("solutions/01-demo/src/main/App.java");
        Files.createDirectories(solution.getParent());
        Files.writeString(solution, lines("a", "// solution:begin", "b"));

        String output = run(out -> Starters.write(root, out), 1);
        assertTrue(output.contains("lessons/02-orphan: has no solution"), output);
        assertTrue(output.contains("solutions/01-demo/src/main/App.java:2: "), output);
        assertFalse(Files.exists(root.resolve("lessons/01-demo")), "nothing written");
    }

    // --- the real repository ----------------------------------------------------------------------

    @Test
    @DisplayName("every starter in lessons/ is what its solution derives")
    void every_starter_in_lessons_is_what_its_solution_derives() throws IOException {
        Path root = Tools.findRoot();
        List<Path> solutionFiles;
        try (var lessons = Files.list(root.resolve("solutions"))) {
            solutionFiles = lessons.flatMap(lesson -> {
                try {
                    return Starters.filesUnder(lesson.resolve("src/main")).stream();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
        assertFalse(solutionFiles.isEmpty(), "no solutions/NN-name/src/main/ has any file yet, so no starter is checked");
        List<String> problems = Starters.differences(root);
        assertTrue(problems.isEmpty(), () -> String.join("\n", problems)
                + "\nlessons/*/src/main/ is made from solutions/*/src/main/: run "
                + Tools.RUN + "\"starters --write\"");
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
