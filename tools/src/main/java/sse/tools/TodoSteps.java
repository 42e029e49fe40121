package sse.tools;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The proof that a lesson's check leads a learner TODO by TODO. In a copy of the repository, the
 * lesson's starter gets its solution's regions one TODO at a time (TODO 1, then 1 and 2, ...),
 * and after each step the real check command runs. After k steps of N it must end with
 * {@code k of N TODOs done; next: TODO k+1} and fail; after N, pass. Every output must fit on a
 * screen.
 *
 * <p>With {@code --alone}, each TODO n from 2 on is then done alone, with every earlier one still open, and
 * {@code -Dtodo=n} must either pass or say {@code TODO n cannot be judged yet: it needs TODO m}
 * for an earlier m; then m is done too, and so on until it passes. So a test of TODO n can fail
 * only because of TODO n, or because of an earlier TODO its check names ({@code @ChecksTodo}'s
 * {@code needs}). Maintainers run it: {@code steps --check [NN ...] [--alone]} (CI runs it without
 * {@code --alone}, which would add about 7 minutes; run it when a lesson's tests or TODOs change).
 */
final class TodoSteps {

    /** The most lines a check may print: one screen of a small terminal. */
    static final int SCREEN = 25;
    private static final Set<String> NOT_COPIED = Set.of(".git", "target", Backup.FOLDER, "node_modules", ".idea");

    private TodoSteps() {
    }

    static int check(Path root, List<String> asked, boolean show, PrintStream out) throws IOException, InterruptedException {
        return check(root, asked, show, false, out);
    }

    /** With {@code alone}, each TODO from 2 on is also done alone (see the class comment): about 7 minutes more for ten lessons. */
    static int check(Path root, List<String> asked, boolean show, boolean alone, PrintStream out) throws IOException, InterruptedException {
        Path copy = Files.createTempDirectory("todo-steps-");
        try {
            copyTree(root, copy);
            int failures = 0;
            for (String lesson : Starters.subfolders(root.resolve("solutions"))) {
                if (!asked.isEmpty() && asked.stream().noneMatch(lesson::startsWith)) {
                    continue;
                }
                failures += checkLesson(root, copy, lesson, show, alone, out);
            }
            out.println(failures == 0 ? "steps: every check names the next TODO, step by step."
                    : "steps: " + failures + " step(s) went wrong (see above).");
            return failures == 0 ? 0 : 1;
        } finally {
            deleteTree(copy);
        }
    }

    private static int checkLesson(Path root, Path copy, String lesson, boolean show, boolean alone, PrintStream out)
            throws IOException, InterruptedException {
        Path solution = root.resolve("solutions").resolve(lesson).resolve("src").resolve("main");
        TreeSet<Integer> todos = new TreeSet<>();
        List<Path> files = Starters.filesUnder(solution);
        for (Path file : files) {
            Starters.text(Files.readAllBytes(file)).ifPresent(text -> todos.addAll(Starters.todos(text)));
        }
        int total = todos.size();
        if (total == 0) {
            return 0;
        }
        if (todos.last() != total) {
            out.println("FAIL " + lesson + ": its TODOs are " + todos + "; number them 1 to " + total);
            return 1;
        }
        int failures = 0;
        for (int done = 0; done <= total; done++) {
            int k = done;
            try {
                applyTodos(root, copy, lesson, k);
            } catch (IOException e) {
                out.println("FAIL " + lesson + ": " + e.getMessage());
                return failures + 1;
            }
            long started = System.nanoTime();
            Run run = maven(copy, List.of("-q", "-pl", "lessons/" + lesson, "-am", "test", "-Pcheck"));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            List<String> lines = run.output.lines().filter(line -> !line.isBlank()).toList();
            String last = lines.isEmpty() ? "(nothing)" : lines.get(lines.size() - 1);
            String expected = done < total
                    ? "lesson " + lesson + ": " + done + " of " + total + " TODOs done; next: TODO " + (done + 1) + " ("
                    : "lesson " + lesson + ": all " + total + " TODOs done; every check passes.";
            List<String> wrong = new ArrayList<>();
            if (!last.startsWith(expected)) {
                wrong.add("its last line should start '" + expected + "' but is '" + last + "'");
            }
            if ((run.exitCode == 0) != (done == total)) {
                wrong.add("it exited with " + run.exitCode + (done == total ? " (should pass)" : " (should fail)"));
            }
            if (lines.size() > SCREEN) {
                wrong.add("it printed " + lines.size() + " lines, more than a screen (" + SCREEN + ")");
            }
            String step = lesson + " with " + (done == 0 ? "no TODO" : done == 1 ? "TODO 1" : "TODOs 1-" + done) + " done";
            if (wrong.isEmpty()) {
                out.println("ok   " + step + ": " + last + "  [" + lines.size() + " lines, " + millis + " ms]");
            } else {
                failures++;
                out.println("FAIL " + step + ": " + String.join("; ", wrong));
            }
            if (show || !wrong.isEmpty()) {
                run.output.lines().forEach(line -> out.println("     | " + line));
            }
        }
        for (int todo = 2; alone && todo <= total; todo++) {
            failures += checkAlone(root, copy, lesson, todo, show, out);
        }
        return failures;
    }

    /**
     * TODO {@code todo} done with every earlier TODO open: {@code -Dtodo=todo} passes, or names an
     * earlier TODO it needs, which is then done too, until it passes. Returns 0, or 1 if it went wrong.
     */
    private static int checkAlone(Path root, Path copy, String lesson, int todo, boolean show, PrintStream out)
            throws IOException, InterruptedException {
        TreeSet<Integer> applied = new TreeSet<>(Set.of(todo));
        Pattern needs = Pattern.compile(Pattern.quote("lesson " + lesson + ": TODO " + todo
                + " cannot be judged yet: it needs TODO ") + "(\\d+), which is not done");
        String passes = "lesson " + lesson + ": TODO " + todo + " passes its ";
        while (true) {
            if (applied.size() == todo) {
                // TODOs 1 to n: the step-by-step run above has shown that TODO n's tests pass so.
                out.println("ok   " + lesson + " with TODOs 1-" + todo + " done, -Dtodo=" + todo + ": passes, as in the step above");
                return 0;
            }
            try {
                applyTodos(root, copy, lesson, applied::contains);
            } catch (IOException e) {
                out.println("FAIL " + lesson + ": " + e.getMessage());
                return 1;
            }
            long started = System.nanoTime();
            Run run = maven(copy, List.of("-q", "-pl", "lessons/" + lesson, "-am", "test", "-Pcheck", "-Dtodo=" + todo));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            List<String> lines = run.output.lines().filter(line -> !line.isBlank()).toList();
            String last = lines.isEmpty() ? "(nothing)" : lines.get(lines.size() - 1);
            String step = lesson + " with " + (applied.size() == 1 ? "TODO " + todo + " alone"
                    : "TODOs " + applied.toString().replaceAll("[\\[\\]]", "") + " done") + ", -Dtodo=" + todo;
            Matcher needed = needs.matcher(last);
            int need = needed.find() ? Integer.parseInt(needed.group(1)) : 0;
            List<String> wrong = new ArrayList<>();
            if (last.startsWith(passes)) {
                if (run.exitCode != 0) {
                    wrong.add("it exited with " + run.exitCode + " (should pass)");
                }
            } else if (need == 0) {
                wrong.add("it should pass, or name an earlier TODO that TODO " + todo + "'s tests need (@ChecksTodo(value = "
                        + todo + ", needs = ...) on the test that fails), but its last line is '" + last + "'");
            } else if (need >= todo || applied.contains(need)) {
                wrong.add("it names TODO " + need + ", which is not an earlier TODO still open");
            } else if (run.exitCode == 0) {
                wrong.add("it exited with 0 (should fail)");
            }
            if (lines.size() > SCREEN) {
                wrong.add("it printed " + lines.size() + " lines, more than a screen (" + SCREEN + ")");
            }
            if (wrong.isEmpty()) {
                out.println("ok   " + step + ": " + last + "  [" + lines.size() + " lines, " + millis + " ms]");
            } else {
                out.println("FAIL " + step + ": " + String.join("; ", wrong));
            }
            if (show || !wrong.isEmpty()) {
                run.output.lines().forEach(line -> out.println("     | " + line));
            }
            if (!wrong.isEmpty()) {
                return 1;
            }
            if (need == 0) {
                return 0;
            }
            applied.add(need);
        }
    }

    /**
     * Writes, into the copy's {@code lessons/<lesson>/src/main}, the starter with the solution's
     * regions of TODOs 1 to {@code done} filled in. Returns the files written and their bytes.
     */
    static java.util.Map<Path, byte[]> applyTodos(Path root, Path copy, String lesson, int done) throws IOException {
        return applyTodos(root, copy, lesson, todo -> todo <= done);
    }

    /** The same, with the regions of the TODOs that {@code done} accepts filled in. */
    static java.util.Map<Path, byte[]> applyTodos(Path root, Path copy, String lesson, IntPredicate done) throws IOException {
        Path solution = root.resolve("solutions").resolve(lesson).resolve("src").resolve("main");
        Path target = copy.resolve("lessons").resolve(lesson).resolve("src").resolve("main");
        deleteTree(target);
        java.util.Map<Path, byte[]> written = new java.util.LinkedHashMap<>();
        try {
            Starters.Stubs stubs = Starters.stubsOf(root, root.resolve("solutions").resolve(lesson));
            for (Path file : Starters.filesUnder(solution)) {
                Path relative = solution.relativize(file);
                String path = relative.toString().replace('\\', '/');
                String text = Starters.derive(Files.readString(file), path.startsWith("java/") ? path.substring(5) : path,
                        stubs, done);
                Path to = target.resolve(relative);
                Files.createDirectories(to.getParent());
                byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                Files.write(to, bytes);
                written.put(to, bytes);
            }
        } catch (Starters.StarterException e) {
            throw new IOException(e.getMessage(), e);
        }
        return written;
    }

    record Run(int exitCode, String output) {
    }

    /** The wrapper, in the copy, with these arguments; at most 10 minutes. */
    static Run maven(Path copy, List<String> arguments) throws IOException, InterruptedException {
        boolean windows = System.getProperty("os.name", "").toLowerCase().contains("win");
        List<String> command = new ArrayList<>();
        command.add(copy.resolve(windows ? "mvnw.cmd" : "mvnw").toString());
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command).directory(copy.toFile()).redirectErrorStream(true);
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            return new Run(-1, "did not finish within 10 minutes: " + String.join(" ", arguments));
        }
        return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path path : (Iterable<Path>) walk::iterator) {
                Path relative = from.relativize(path);
                if (relative.toString().isEmpty()) {
                    continue;
                }
                boolean skipped = false;
                for (Path part : relative) {
                    if (NOT_COPIED.contains(part.toString())) {
                        skipped = true;
                        break;
                    }
                }
                if (skipped) {
                    continue;
                }
                Path target = to.resolve(relative.toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path path : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
