package sse.check;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.ClassNameFilter;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.discovery.PackageNameFilter;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A lesson's check, as a learner reads it: the tests of one TODO at a time, in order, and at
 * most one screen of output that ends with where the lesson stands.
 * <pre>
 * lesson 04-client-registry: 2 of 4 TODOs done; next: TODO 3 (docs/04-client-registry.md#todo-3-...)
 * </pre>
 * Run by Maven in a lesson's {@code test} phase under {@code -Pcheck} (see the root pom), with
 * the lesson's folder and its compiled tests as arguments, and these system properties, optionally {@code todo} (check only that TODO) and {@code progress} (one line, no failures,
 * stress tests left out, never a failing exit code: for a table of every lesson).
 * With {@code todo}, a failing test that {@linkplain ChecksTodo#needs needs} an earlier TODO makes
 * the check run that TODO's tests too, and name it when they fail:
 * <pre>
 * lesson 08-production: TODO 3 cannot be judged yet: it needs TODO 1, which is not done (3 of 3 check(s) fail); read ...
 * </pre>
 */
public final class Check {

    /** The most lines of failures printed, so that a check fits on one screen. */
    static final int MAX_FAILURE_LINES = 20;
    private static final int MAX_LINES_PER_FAILURE = 6;
    private static final Pattern LATER_STUB = Pattern.compile("TODO (\\d+) is not done yet");

    private Check() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalStateException("usage: Check <lesson folder> <its compiled tests> (the lesson's pom passes them)");
        }
        // The servers under test log what goes wrong on purpose (clients that leave, bad input):
        // not for the learner's screen. (Maven's logger reads these when a logger is first made.)
        for (String logger : List.of("sse", "io.javalin", "org.eclipse.jetty")) {
            System.setProperty("org.slf4j.simpleLogger.log." + logger, "error");
        }
        // The starter's reminders of every open TODO: the check names the one that is next.
        System.setProperty("todo.reminders.quiet", "true");
        Path basedir = Path.of(args[0]).toAbsolutePath().normalize();
        Path classes = Path.of(args[1]);
        String lesson = basedir.getFileName().toString();
        boolean progress = System.getProperty("progress") != null
                && !"false".equals(System.getProperty("progress"));
        if (progress && !"lessons".equals(String.valueOf(basedir.getParent().getFileName()))) {
            return; // the progress table is about the learner's starters, not the solutions
        }
        if (progress && System.getProperty("check.child") == null) {
            // Every lesson of the build checks in this one JVM, and a lesson's servers leave pool
            // threads behind that Maven waits a minute for: check each lesson in a JVM of its own.
            inChildJvm(args);
            return; // Maven goes on to the next lesson
        }
        Path sources = basedir.resolve("src").resolve("main").resolve("java");
        Optional<Integer> only = Optional.ofNullable(System.getProperty("todo")).filter(s -> !s.isBlank())
                .map(Check::todoNumber);
        Outcome outcome = new Check.Runner(lesson, classes, sources, System.out).run(only, progress);
        System.out.flush();
        // Maven's JVM, or a child: exiting here spares the learner Maven's page of "BUILD FAILURE"
        // advice, and the minute Maven would wait for the threads the lesson's servers left.
        System.exit(progress || outcome.passed() ? 0 : 1);
    }

    /** Runs this check again in a new JVM with the classpath it was given, its output on ours. */
    private static void inChildJvm(String[] args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Dprogress=true");
        command.add("-Dcheck.child=true");
        command.add("-cp");
        command.add(classpath());
        command.add(Check.class.getName());
        command.addAll(List.of(args));
        try {
            Process child = new ProcessBuilder(command).inheritIO().start();
            if (!child.waitFor(5, java.util.concurrent.TimeUnit.MINUTES)) {
                child.destroyForcibly();
                System.out.println("lesson " + Path.of(args[0]).getFileName() + ": the check did not finish within 5 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The classpath this class was loaded with: Maven's exec:java gives it as a URLClassLoader. */
    private static String classpath() {
        List<String> entries = new ArrayList<>();
        for (ClassLoader loader = Thread.currentThread().getContextClassLoader(); loader != null; loader = loader.getParent()) {
            if (loader instanceof java.net.URLClassLoader urls) {
                for (java.net.URL url : urls.getURLs()) {
                    try {
                        entries.add(Path.of(url.toURI()).toString());
                    } catch (java.net.URISyntaxException | IllegalArgumentException e) {
                        // not a file: not for a classpath
                    }
                }
                break;
            }
        }
        if (entries.isEmpty()) {
            return System.getProperty("java.class.path");
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static int todoNumber(String text) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            System.out.println("-Dtodo takes a TODO's number, for example -Dtodo=2, not '" + text + "'.");
            System.exit(2);
            throw e;
        }
    }

    /** How a check ended: how many TODOs pass, and whether everything asked for passed. */
    record Outcome(int done, int total, boolean passed) {
    }

    /** One failed test: its name, the first lines of what it said, and the earlier TODOs it needs. */
    record Failure(String name, String message, Set<Integer> needs) {
    }

    static final class Runner {
        private final String lesson;
        private final Path classes;
        private final Path sources;
        private final PrintStream out;
        private final Launcher launcher = LauncherFactory.create();

        private final String packageName;
        /** TODO -> the earlier TODOs its tests need (@ChecksTodo's needs), filled by discover(). */
        private final Map<Integer, Set<Integer>> needsByTodo = new TreeMap<>();

        Runner(String lesson, Path classes, Path sources, PrintStream out) {
            this(lesson, classes, sources, out, null);
        }

        /** A runner that sees only the tests in {@code packageName} (for the check's own tests). */
        Runner(String lesson, Path classes, Path sources, PrintStream out, String packageName) {
            this.lesson = lesson;
            this.classes = classes;
            this.sources = sources;
            this.out = out;
            this.packageName = packageName;
        }

        Outcome run(Optional<Integer> only, boolean progress) throws IOException {
            Map<Integer, List<String>> byTodo = new TreeMap<>();  // TODO -> unique ids of its tests
            List<String> others = new ArrayList<>();            // tests of no TODO: stress, robustness
            discover(byTodo, others);
            int total = byTodo.size();
            if (total == 0) {
                out.println("lesson " + lesson + ": no test names a TODO (@ChecksTodo); nothing to check.");
                return new Outcome(0, 0, false);
            }
            for (Map.Entry<Integer, Set<Integer>> entry : needsByTodo.entrySet()) {
                for (int need : entry.getValue()) {
                    if (need >= entry.getKey() || !byTodo.containsKey(need)) {
                        // A maintainer's mistake: say it plainly rather than judge with a wrong order.
                        out.println("lesson " + lesson + ": a test of TODO " + entry.getKey() + " needs TODO " + need
                                + " (@ChecksTodo needs), but a test can need only an earlier TODO of its lesson "
                                + byTodo.keySet() + ".");
                        return new Outcome(0, total, false);
                    }
                }
            }
            if (only.isPresent()) {
                int todo = only.get();
                List<String> ids = byTodo.get(todo);
                if (ids == null) {
                    out.println("lesson " + lesson + " has no TODO " + todo + "; its TODOs are " + byTodo.keySet() + ".");
                    return new Outcome(0, total, false);
                }
                List<Failure> failures = execute(ids);
                if (failures.isEmpty()) {
                    out.println("lesson " + lesson + ": TODO " + todo + " passes its " + ids.size() + " check(s).");
                    return new Outcome(1, total, true);
                }
                // Failures of a test that needs an earlier TODO may be that TODO's: check it first.
                TreeSet<Integer> needed = new TreeSet<>();
                failures.forEach(failure -> needed.addAll(failure.needs()));
                for (int need : withTheirNeeds(needed)) {
                    List<Failure> ofNeed = execute(byTodo.get(need));
                    if (!ofNeed.isEmpty()) {
                        printFailures(need, ofNeed);
                        out.println("lesson " + lesson + ": TODO " + todo + " cannot be judged yet: it needs TODO " + need
                                + ", which is not done (" + ofNeed.size() + " of " + byTodo.get(need).size()
                                + " check(s) fail); read " + docOf(need));
                        return new Outcome(0, total, false);
                    }
                }
                printFailures(todo, failures);
                out.println("lesson " + lesson + ": TODO " + todo + " is not done yet (" + failures.size() + " of "
                        + ids.size() + " check(s) fail); read " + docOf(todo));
                return new Outcome(0, total, false);
            }
            int done = 0;
            for (Map.Entry<Integer, List<String>> entry : byTodo.entrySet()) {
                int todo = entry.getKey();
                List<Failure> failures = execute(entry.getValue());
                if (!failures.isEmpty()) {
                    if (progress) {
                        out.println(String.format("lesson %-22s %d of %d TODOs done; next: TODO %d",
                                lesson + ":", done, total, todo));
                    } else {
                        printFailures(todo, failures);
                        out.println("lesson " + lesson + ": " + done + " of " + total + " TODOs done; next: TODO "
                                + todo + " (" + docOf(todo) + ")");
                    }
                    return new Outcome(done, total, false);
                }
                done++;
            }
            if (progress) {
                out.println(String.format("lesson %-22s %d of %d TODOs done", lesson + ":", done, total));
                return new Outcome(done, total, true);
            }
            List<Failure> failures = others.isEmpty() ? List.of() : execute(others);
            if (!failures.isEmpty()) {
                printFailures(0, failures);
                out.println("lesson " + lesson + ": all " + total + " TODOs done, but " + failures.size()
                        + " of the harder checks (load, races, robustness) fail: the messages above say why.");
                return new Outcome(done, total, false);
            }
            out.println("lesson " + lesson + ": all " + total + " TODOs done; every check passes.");
            return new Outcome(done, total, true);
        }

        /** These TODOs, the TODOs they need, and theirs, in order: each comes after what it needs. */
        private TreeSet<Integer> withTheirNeeds(Set<Integer> todos) {
            TreeSet<Integer> all = new TreeSet<>();
            List<Integer> toVisit = new ArrayList<>(todos);
            while (!toVisit.isEmpty()) {
                int todo = toVisit.remove(toVisit.size() - 1);
                if (all.add(todo)) {
                    toVisit.addAll(needsByTodo.getOrDefault(todo, Set.of()));
                }
            }
            return all;
        }

        /** Every test in the lesson's compiled tests, sorted by the TODO it checks. */
        private void discover(Map<Integer, List<String>> byTodo, List<String> others) {
            LauncherDiscoveryRequestBuilder builder = LauncherDiscoveryRequestBuilder.request()
                    .selectors(DiscoverySelectors.selectClasspathRoots(Set.of(classes)))
                    // The *IT classes need programs a learner may not have (Chromium, nginx): they run
                    // only in their Maven profiles (-Pbrowser, -Pnginx), never in a learner's check.
                    .filters(ClassNameFilter.excludeClassNamePatterns(".*IT"));
            if (packageName != null) {
                builder.filters(PackageNameFilter.includePackageNames(packageName));
            }
            LauncherDiscoveryRequest request = builder.build();
            TestPlan plan = launcher.discover(request);
            for (TestIdentifier root : plan.getRoots()) {
                for (TestIdentifier id : plan.getDescendants(root)) {
                    // A @ParameterizedTest is a container whose cases appear only when it runs: take it whole.
                    boolean template = id.isContainer() && id.getSource().orElse(null) instanceof MethodSource;
                    if (!id.isTest() && !template) {
                        continue;
                    }
                    Optional<ChecksTodo> tag = tagOf(id);
                    if (tag.isPresent()) {
                        int todo = tag.get().value();
                        byTodo.computeIfAbsent(todo, k -> new ArrayList<>()).add(id.getUniqueId());
                        Set<Integer> needs = needsByTodo.computeIfAbsent(todo, k -> new TreeSet<>());
                        for (int need : tag.get().needs()) {
                            needs.add(need);
                        }
                    } else {
                        others.add(id.getUniqueId());
                    }
                }
            }
        }

        /** The test's @ChecksTodo: on its method, else on its class or an enclosing one. */
        private static Optional<ChecksTodo> tagOf(TestIdentifier id) {
            try {
                Class<?> type;
                if (id.getSource().orElse(null) instanceof MethodSource source) {
                    ChecksTodo onMethod = source.getJavaMethod().getAnnotation(ChecksTodo.class);
                    if (onMethod != null) {
                        return Optional.of(onMethod);
                    }
                    type = source.getJavaClass();
                } else if (id.getSource().orElse(null) instanceof ClassSource source) {
                    type = source.getJavaClass(); // a class's @BeforeAll failed: its tests' TODO
                } else {
                    return Optional.empty();
                }
                for (Class<?> c = type; c != null; c = c.getEnclosingClass()) {
                    ChecksTodo onClass = c.getAnnotation(ChecksTodo.class);
                    if (onClass != null) {
                        return Optional.of(onClass);
                    }
                }
            } catch (RuntimeException e) {
                return Optional.empty();
            }
            return Optional.empty();
        }

        /** Runs the tests; returns their failures, in the order they happened. */
        private List<Failure> execute(List<String> uniqueIds) {
            List<Failure> failures = new ArrayList<>();
            LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                    .selectors(uniqueIds.stream().map(DiscoverySelectors::selectUniqueId).collect(Collectors.toList()))
                    .build();
            // What the tests print (timings, fuzz statistics) is for maintainers: the learner reads the verdict.
            PrintStream stdout = System.out;
            PrintStream stderr = System.err;
            PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
            System.setOut(quiet);
            System.setErr(quiet);
            try {
                run(request, failures);
            } finally {
                System.setOut(stdout);
                System.setErr(stderr);
            }
            return failures;
        }

        private void run(LauncherDiscoveryRequest request, List<Failure> failures) {
            launcher.execute(request, new TestExecutionListener() {
                private TestPlan plan;

                @Override
                public void testPlanExecutionStarted(TestPlan testPlan) {
                    plan = testPlan;
                }

                @Override
                public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                    // A container fails only itself (a class's @BeforeAll, a parameterized test's source), not with its tests.
                    if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                        Throwable thrown = result.getThrowable().orElse(null);
                        String message = thrown == null ? "failed"
                                : thrown.getMessage() == null ? thrown.toString() : thrown.getMessage();
                        Set<Integer> needs = new TreeSet<>();
                        tagOf(id).ifPresent(tag -> {
                            for (int need : tag.needs()) {
                                needs.add(need);
                            }
                        });
                        failures.add(new Failure(name(id), message, needs));
                    }
                }

                /** A case of a parameterized test is named after the test, then the case. */
                private String name(TestIdentifier id) {
                    Optional<TestIdentifier> parent = plan == null ? Optional.empty() : plan.getParent(id);
                    if (parent.isPresent() && parent.get().getSource().orElse(null) instanceof MethodSource) {
                        return parent.get().getDisplayName() + " " + id.getDisplayName();
                    }
                    return id.getDisplayName();
                }
            });
        }

        private void printFailures(int todo, List<Failure> failures) {
            int lines = 0;
            int shown = 0;
            for (Failure failure : failures) {
                List<String> text = describe(todo, failure);
                if (shown > 0 && lines + text.size() > MAX_FAILURE_LINES) {
                    break;
                }
                text.forEach(out::println);
                lines += text.size();
                shown++;
            }
            if (shown < failures.size()) {
                out.println("  ... and " + (failures.size() - shown) + " more failing check(s) of the same kind.");
            }
        }

        /** "FAILED name" and the message's first lines, indented; says so when a later TODO's stub is in the way. */
        private List<String> describe(int todo, Failure failure) {
            List<String> text = new ArrayList<>();
            text.add("FAILED " + failure.name());
            Matcher later = LATER_STUB.matcher(failure.message());
            if (todo > 0 && later.find() && Integer.parseInt(later.group(1)) > todo) {
                text.add("  TODO " + todo + " cannot be judged yet: TODO " + later.group(1)
                        + "'s unfinished code answers first. What came:");
            }
            // assertTrue's own words add nothing to the test's message.
            String message = failure.message().replace(" ==> expected: <true> but was: <false>", "")
                    .replace(" ==> expected: <false> but was: <true>", "");
            String[] lines = message.strip().split("\\R");
            for (int i = 0; i < Math.min(lines.length, MAX_LINES_PER_FAILURE); i++) {
                text.add("  " + lines[i].strip());
            }
            if (lines.length > MAX_LINES_PER_FAILURE) {
                text.add("  ...");
            }
            return text;
        }

        /** Where the docs explain a TODO: the link its stub in the lesson's code gives, or the lesson's page. */
        String docOf(int todo) throws IOException {
            Pattern link = Pattern.compile("docs/" + Pattern.quote(lesson) + "\\.md#todo-" + todo + "(?![0-9])[a-z0-9-]*");
            if (Files.isDirectory(sources)) {
                List<Path> files;
                try (Stream<Path> walk = Files.walk(sources)) {
                    files = walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
                }
                for (Path file : files) {
                    Matcher m = link.matcher(Files.readString(file));
                    if (m.find()) {
                        return m.group();
                    }
                }
            }
            // The learner may have replaced the stub that held the link: find the TODO's heading in the doc.
            Path root = sources.toAbsolutePath().normalize();      // lessons/NN/src/main/java: the root is 5 up
            for (int up = 0; up < 5 && root != null; up++) {
                root = root.getParent();
            }
            Path doc = root == null ? null : root.resolve("docs").resolve(lesson + ".md");
            if (doc != null && Files.isRegularFile(doc)) {
                Pattern heading = Pattern.compile("#{1,6}\\s+(TODO " + todo + "(?![0-9]).*?)\\s*#*\\s*");
                for (String line : Files.readAllLines(doc)) {
                    Matcher m = heading.matcher(line);
                    if (m.matches()) {
                        return "docs/" + lesson + ".md#" + slug(m.group(1));
                    }
                }
            }
            return "docs/" + lesson + ".md";
        }

        /** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces as hyphens. */
        static String slug(String heading) {
            return heading.strip().toLowerCase(java.util.Locale.ROOT)
                    .replaceAll("[^\\p{L}\\p{M}\\p{N} _-]", "")
                    .replace(' ', '-');
        }
    }
}
