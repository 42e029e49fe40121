package sse.check;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckTest {

    /** The made-up lesson's doc; written in two parts so the docs check does not look for it. */
    private static final String DOC = "docs/99-demo" + ".md";

    @TempDir
    Path sources;

    @AfterEach
    void forget() {
        System.clearProperty("fixture.done");
        System.clearProperty("fixture.broken");
    }

    private record Result(Check.Outcome outcome, List<String> lines) {
        String last() {
            return lines.get(lines.size() - 1);
        }
    }

    private Result check(int done, Optional<Integer> only, boolean progress) throws IOException, URISyntaxException {
        return check("sse.check.fixture", done, 0, only, progress);
    }

    /** The made-up lesson in package {@code fixture}, with TODOs 1 to {@code done} written and TODO {@code broken} wrong. */
    private Result check(String fixture, int done, int broken, Optional<Integer> only) throws IOException, URISyntaxException {
        return check(fixture, done, broken, only, false);
    }

    private Result check(String fixture, int done, int broken, Optional<Integer> only, boolean progress)
            throws IOException, URISyntaxException {
        System.setProperty("fixture.done", String.valueOf(done));
        System.setProperty("fixture.broken", String.valueOf(broken));
        Path classes = Path.of(CheckTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Files.writeString(sources.resolve("App.java"),
                "// \"" + DOC + "#todo-2-the-second\" \"" + DOC + "#todo-3-the-third\"\n");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Check.Outcome outcome = new Check.Runner("99-demo", classes, sources, out, fixture).run(only, progress);
        return new Result(outcome, bytes.toString(StandardCharsets.UTF_8).lines().toList());
    }

    @Test
    @DisplayName("a check stops at the first missing TODO, names it and its doc, and shows only its failures")
    void stopsAtTheFirstMissingTodo() throws Exception {
        Result untouched = check(0, Optional.empty(), false);
        assertEquals("lesson 99-demo: 0 of 3 TODOs done; next: TODO 1 (docs/99-demo.md)", untouched.last());
        assertEquals(List.of("FAILED todo one works", "  one is missing. Look at TODO 1", untouched.last()), untouched.lines());
        assertFalse(untouched.outcome().passed());

        Result half = check(1, Optional.empty(), false);
        assertEquals("lesson 99-demo: 1 of 3 TODOs done; next: TODO 2 (" + DOC + "#todo-2-the-second)", half.last());
        assertTrue(half.lines().contains("  TODO 2 cannot be judged yet: TODO 3's unfinished code answers first. What came:"),
                half.lines()::toString);
        assertFalse(half.lines().stream().anyMatch(line -> line.contains("three is missing")), "TODO 3 is not run yet");
    }

    @Test
    @DisplayName("when the learner has replaced the stub that held the link, the TODO's heading in the doc is found")
    void linkFromTheDoc(@TempDir Path repository) throws Exception {
        System.setProperty("fixture.done", "1");
        Path classes = Path.of(CheckTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path lessonSources = Files.createDirectories(repository.resolve("lessons/99-demo/src/main/java"));
        Files.writeString(lessonSources.resolve("App.java"), "// the learner's own code, no link left\n");
        Files.createDirectories(repository.resolve("docs"));
        Files.writeString(repository.resolve("docs/99-demo" + ".md"),
                "# Demo\n\n### TODO 1: the first\n\n### TODO 2: the second, at last!\n\n### TODO 20: not this\n");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        new Check.Runner("99-demo", classes, lessonSources, out, "sse.check.fixture").run(Optional.empty(), false);
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals("lesson 99-demo: 1 of 3 TODOs done; next: TODO 2 (" + DOC + "#todo-2-the-second-at-last)",
                lines.get(lines.size() - 1));
    }

    @Test
    @DisplayName("with every TODO done the check passes in one line, after the stress tests and without the *IT classes")
    void passesWhenEverythingIsDone() throws Exception {
        Result done = check(3, Optional.empty(), false);
        assertEquals(List.of("lesson 99-demo: all 3 TODOs done; every check passes."), done.lines());
        assertTrue(done.outcome().passed());

        Result stressFails = check(4, Optional.empty(), false);
        assertTrue(stressFails.last().startsWith("lesson 99-demo: all 3 TODOs done, but 1 of the harder checks"), stressFails.last());
        assertFalse(stressFails.outcome().passed());
    }

    @Test
    @DisplayName("-Dtodo=N checks that TODO alone; each case of a parameterized test is run and named")
    void oneTodo() throws Exception {
        Result third = check(1, Optional.of(3), false);
        assertEquals("lesson 99-demo: TODO 3 is not done yet (2 of 2 check(s) fail); read " + DOC + "#todo-3-the-third",
                third.last());
        assertTrue(third.lines().containsAll(List.of("FAILED todo three works case 2", "FAILED todo three works on what todo one writes",
                "  three is missing. Look at TODO 3")), third.lines()::toString);
        assertFalse(third.lines().contains("FAILED todo three works case 1"), third.lines()::toString);
        assertEquals(List.of("lesson 99-demo: TODO 1 passes its 1 check(s)."), check(1, Optional.of(1), false).lines());
        assertTrue(check(0, Optional.of(7), false).last().startsWith("lesson 99-demo has no TODO 7"));
    }

    @Test
    @DisplayName("-Dtodo=N names the earlier TODO that N's failing test needs, when that one fails, and no other")
    void oneTodoThatNeedsAnEarlierOne() throws Exception {
        // TODO 3 finished, TODO 1 written wrong: TODO 3's test needs what TODO 1 writes.
        Result blamed = check("sse.check.fixture", 3, 1, Optional.of(3));
        assertEquals(List.of("FAILED todo one works", "  one is missing. Look at TODO 1",
                "lesson 99-demo: TODO 3 cannot be judged yet: it needs TODO 1, which is not done (1 of 1 check(s) fail); read "
                        + DOC), blamed.lines());
        assertFalse(blamed.outcome().passed());
        assertEquals("lesson 99-demo: 0 of 3 TODOs done; next: TODO 1 (" + DOC + ")",
                check("sse.check.fixture", 3, 1, Optional.empty()).last(), "the whole check agrees");

        // TODO 2 is broken too, but TODO 3's tests do not need it: TODO 3 is what fails.
        Result own = check("sse.check.fixture", 2, 2, Optional.of(3));
        assertEquals("lesson 99-demo: TODO 3 is not done yet (2 of 2 check(s) fail); read " + DOC + "#todo-3-the-third", own.last());
        assertEquals(List.of("lesson 99-demo: TODO 3 passes its 2 check(s)."),
                check("sse.check.fixture", 3, 2, Optional.of(3)).lines(), "a broken TODO 2 does not matter to TODO 3");

        // What a needed TODO needs is checked too, first: TODO 3 needs 2, which needs 1.
        Result chain = check("sse.check.chain", 3, 1, Optional.of(3));
        assertEquals("lesson 99-demo: TODO 3 cannot be judged yet: it needs TODO 1, which is not done (1 of 1 check(s) fail); read "
                + DOC, chain.last());
        assertEquals("lesson 99-demo: TODO 3 cannot be judged yet: it needs TODO 2, which is not done (1 of 1 check(s) fail); read "
                + DOC + "#todo-2-the-second", check("sse.check.chain", 3, 2, Optional.of(3)).last());
        assertEquals("lesson 99-demo: TODO 3 is not done yet (1 of 1 check(s) fail); read " + DOC + "#todo-3-the-third",
                check("sse.check.chain", 3, 3, Optional.of(3)).last());
    }

    @Test
    @DisplayName("a test that needs its own TODO or a later one is a mistake the check names, not a verdict")
    void needsOnlyEarlierTodos() throws Exception {
        Result wrong = check("sse.check.badneed", 2, 0, Optional.empty());
        assertEquals(List.of("lesson 99-demo: a test of TODO 2 needs TODO 2 (@ChecksTodo needs), but a test can need only "
                + "an earlier TODO of its lesson [1, 2]."), wrong.lines());
        assertFalse(wrong.outcome().passed());
    }

    @Test
    @DisplayName("progress is one line per lesson, never a failure, and leaves the stress tests out")
    void progress() throws Exception {
        assertEquals(List.of("lesson 99-demo:               2 of 3 TODOs done; next: TODO 3"), check(2, Optional.empty(), true).lines());
        Result all = check(4, Optional.empty(), true);
        assertEquals(List.of("lesson 99-demo:               3 of 3 TODOs done"), all.lines());
        assertTrue(all.outcome().passed(), "the stress test is not run for progress");
    }
}
