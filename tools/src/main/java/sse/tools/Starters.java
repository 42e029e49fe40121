package sse.tools;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Everything in {@code lessons/} (and in {@code carried/}) is generated from {@code solutions/}:
 * <ul>
 *   <li>{@code lessons/NN/src/main/} is {@code solutions/NN/src/main/} with each exercise region
 *       replaced by its starter code. In a solution file a region is marked by two lines:
 * <pre>
 *         // solution:begin TODO 1
 *         stream.send(event);          (the finished lines, left out of the starter)
 *         // solution:end
 * </pre>
 *       and what the starter has instead sits outside the file, in the lesson's
 *       {@code solutions/NN/starter-stubs.txt} (see {@link Stubs}).</li>
 *   <li>{@code lessons/NN/src/test/} is {@code solutions/NN/src/test/}, the tests' one home, as it is.</li>
 *   <li>{@code carried/NN/src/main/java/} holds the files named in {@code carried/NN/carry.txt}, as
 *       lesson NN finished them: code later lessons build on, as a dependency.</li>
 * </ul>
 * {@code tools/generated.sha256} records what was generated last, so that {@code --write} can tell
 * a file the generator wrote from one a learner edited, and never overwrites the latter without
 * {@code --force}, and then only after a backup.
 */
final class Starters {

    static final Pattern BEGIN = Pattern.compile("// solution:begin TODO ([1-9][0-9]?)");
    static final String END = "// solution:end";
    static final String STUBS_FILE = "starter-stubs.txt";
    static final String CARRY_FILE = "carry.txt";
    static final String LOCK = "tools/generated.sha256";

    /** Something that looks like a marker but is not exactly one, e.g. "// solution: begin" or "// solution:starter". */
    private static final Pattern MARKER_LIKE = Pattern.compile("//\\s*solution\\s*:.*");
    private static final Pattern TODO_COMMENT = Pattern.compile("// TODO ([0-9]+):");

    static final String WRITE_COMMAND = Tools.RUN + "\"starters --write\"";

    private Starters() {
    }

    /** A solution file that cannot be turned into a starter; the message starts with file:line. */
    static final class StarterException extends Exception {
        StarterException(String file, int line, String problem) {
            super(file + ":" + line + ": " + problem, null, false, false);
        }
    }

    /** The TODO number of a begin marker, or empty if the line is not one. */
    static Optional<Integer> beginOf(String line) {
        Matcher m = BEGIN.matcher(line.strip());
        return m.matches() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
    }

    static boolean isMarker(String line) {
        return beginOf(line).isPresent() || line.strip().equals(END);
    }

    // ---------------------------------------------------------------------------------------
    // Stubs: what a starter has in place of each region
    // ---------------------------------------------------------------------------------------

    /**
     * A lesson's {@code starter-stubs.txt}: blocks headed {@code == <file under src/main/java> TODO n},
     * each the starter's lines for one region (indentation relative to the region's marker).
     * Blocks of one file and TODO are taken in the order of the regions. Lines starting with
     * {@code #} before the first block are comments; blank lines at the end of a block are dropped.
     */
    static final class Stubs {
        private static final Pattern HEADER = Pattern.compile("== (\\S+) TODO ([1-9][0-9]?)");
        private final Map<String, Deque<List<String>>> blocks = new LinkedHashMap<>();
        private final String source;

        private Stubs(String source) {
            this.source = source;
        }

        static Stubs none() {
            return new Stubs("(no " + STUBS_FILE + ")");
        }

        static Stubs parse(String text, String file) throws StarterException {
            Stubs stubs = new Stubs(file);
            String[] lines = text.replace("\r\n", "\n").split("\n", -1);
            List<String> current = null;
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i];
                if (line.startsWith("==")) {
                    Matcher m = HEADER.matcher(line.strip());
                    if (!m.matches()) {
                        throw new StarterException(file, i + 1, "a block header is '== <file under src/main/java> TODO <n>',"
                                + " not '" + line.strip() + "'");
                    }
                    current = new ArrayList<>();
                    stubs.blocks.computeIfAbsent(key(m.group(1), Integer.parseInt(m.group(2))), k -> new ArrayDeque<>())
                            .add(current);
                } else if (current != null) {
                    current.add(line);
                } else if (!line.isBlank() && !line.startsWith("#")) {
                    throw new StarterException(file, i + 1, "text before the first '== <file> TODO <n>' header");
                }
            }
            for (Deque<List<String>> queue : stubs.blocks.values()) {
                for (List<String> block : queue) {
                    while (!block.isEmpty() && block.get(block.size() - 1).isBlank()) {
                        block.remove(block.size() - 1);
                    }
                }
            }
            return stubs;
        }

        private static String key(String file, int todo) {
            return file + " TODO " + todo;
        }

        /** The next unused block for this file and TODO; an empty one if there is none. */
        List<String> take(String file, int todo) {
            Deque<List<String>> queue = blocks.get(key(file, todo));
            return queue == null || queue.isEmpty() ? List.of() : queue.poll();
        }

        /** Blocks no region took: each is a mistake (a typo in the file name, a region removed). */
        List<String> unused() {
            List<String> unused = new ArrayList<>();
            blocks.forEach((key, queue) -> queue.forEach(block -> unused.add(source + ": the block '== " + key
                    + "' has no region left to replace in that file (is the file name or TODO number right?)")));
            return unused;
        }
    }

    // ---------------------------------------------------------------------------------------
    // The transformation of one file
    // ---------------------------------------------------------------------------------------

    /**
     * The file with every region replaced by its stub, except the regions whose TODO is
     * {@code done}, which keep their finished lines; markers are dropped either way.
     *
     * @param file the file's path under {@code src/main/java}, as the stubs name it and for messages
     */
    static String derive(String solution, String file, Stubs stubs, IntPredicate done) throws StarterException {
        List<String> out = new ArrayList<>();
        int regionStart = 0;       // line of the open region's begin marker, 0 when outside a region
        int regionTodo = 0;
        boolean endsWithNewline = solution.endsWith("\n");
        String[] lines = (endsWithNewline ? solution.substring(0, solution.length() - 1) : solution).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int lineNumber = i + 1;
            Optional<Integer> begin = beginOf(line);
            boolean end = line.strip().equals(END);
            if (begin.isEmpty() && !end) {
                if (MARKER_LIKE.matcher(line.strip()).matches()) {
                    throw new StarterException(file, lineNumber, "looks like a marker but is not one: '" + line.strip()
                            + "'; markers are exactly '// solution:begin TODO <n>' and '" + END + "', alone on their line");
                }
                if (regionStart == 0 || done.test(regionTodo)) {
                    out.add(line);
                }
                continue;
            }
            if (begin.isPresent()) {
                if (regionStart != 0) {
                    throw new StarterException(file, lineNumber, "a region begins inside the region that begins"
                            + " at line " + regionStart + "; regions cannot nest (close it with '" + END + "' first)");
                }
                regionStart = lineNumber;
                regionTodo = begin.get();
                if (!done.test(regionTodo)) {
                    String indentation = line.substring(0, line.length() - line.stripLeading().length());
                    for (String stub : stubs.take(file, regionTodo)) {
                        out.add(stub.isEmpty() ? "" : indentation + stub);
                    }
                }
            } else {
                if (regionStart == 0) {
                    throw new StarterException(file, lineNumber, "'" + END + "' without a region begun before it");
                }
                regionStart = 0;
            }
        }
        if (regionStart != 0) {
            throw new StarterException(file, regionStart, "the region that begins here is not closed:"
                    + " add '" + END + "' after its last line");
        }
        return out.isEmpty() ? "" : String.join("\n", out) + (endsWithNewline ? "\n" : "");
    }

    /** The TODO numbers of the regions in a solution file. */
    static TreeSet<Integer> todos(String solution) {
        TreeSet<Integer> todos = new TreeSet<>();
        for (String line : solution.split("\n", -1)) {
            beginOf(line).ifPresent(todos::add);
        }
        return todos;
    }

    /**
     * A finished file as a later lesson carries it: no markers, a first line that says where it
     * comes from, and its TODO comments named as the earlier lesson's (they are done).
     */
    static String carried(String solution, String from, String lesson) throws StarterException {
        String finished = derive(solution, from, Stubs.none(), todo -> true);
        String number = lesson.substring(0, 2);
        return "// Lesson " + lesson + "'s finished code, generated from " + from + ": edit that file, then run"
                + " " + WRITE_COMMAND + ".\n"
                + TODO_COMMENT.matcher(finished).replaceAll("// Lesson " + number + ", TODO $1 (done):");
    }

    // ---------------------------------------------------------------------------------------
    // The repository: every lesson
    // ---------------------------------------------------------------------------------------

    /** What the generated folders should hold: file to content, or errors. */
    static final class Plan {
        final Map<Path, byte[]> expected = new TreeMap<>();
        final List<Path> generatedRoots = new ArrayList<>();
        final List<String> errors = new ArrayList<>();
    }

    /** One lesson's solution: its folder, the files of its src/main/java and its stubs. */
    static Plan plan(Path root) throws IOException {
        Plan plan = new Plan();
        Path solutions = root.resolve("solutions");
        Path lessons = root.resolve("lessons");
        TreeSet<String> solutionNames = subfolders(solutions);
        for (String lesson : subfolders(lessons)) {
            if (!solutionNames.contains(lesson)) {
                plan.errors.add("lessons/" + lesson + ": has no solution (solutions/" + lesson
                        + "/ does not exist); starters are made from solutions, so add the solution"
                        + " or remove the lesson");
            }
        }
        for (String lesson : solutionNames) {
            Path solution = solutions.resolve(lesson);
            Path target = lessons.resolve(lesson);
            Stubs stubs;
            try {
                stubs = stubsOf(root, solution);
            } catch (StarterException e) {
                plan.errors.add(e.getMessage());
                continue;
            }
            for (String part : List.of("main", "test")) {
                Path from = solution.resolve("src").resolve(part);
                Path to = target.resolve("src").resolve(part);
                plan.generatedRoots.add(to);
                for (Path file : filesUnder(from)) {
                    Path relative = from.relativize(file);
                    byte[] bytes = Files.readAllBytes(file);
                    Optional<String> text = text(bytes);
                    if (part.equals("test") || text.isEmpty()) {
                        plan.expected.put(to.resolve(relative), bytes); // tests and binaries: as they are
                        continue;
                    }
                    try {
                        String starter = derive(text.get(), javaPath(relative), stubs, todo -> false);
                        plan.expected.put(to.resolve(relative), starter.getBytes(StandardCharsets.UTF_8));
                    } catch (StarterException e) {
                        plan.errors.add(Tools.display(root, file) + e.getMessage().substring(e.getMessage().indexOf(':')));
                    }
                }
            }
            plan.errors.addAll(stubs.unused());
        }
        planCarried(root, plan);
        return plan;
    }

    static Stubs stubsOf(Path root, Path solution) throws IOException, StarterException {
        Path file = solution.resolve(STUBS_FILE);
        return Files.isRegularFile(file)
                ? Stubs.parse(Files.readString(file), Tools.display(root, file))
                : Stubs.none();
    }

    /** A path under src/main/ as the stubs name it: under java/, with forward slashes. */
    private static String javaPath(Path relativeToMain) {
        String path = relativeToMain.toString().replace('\\', '/');
        return path.startsWith("java/") ? path.substring(5) : path;
    }

    /** {@code carried/NN/carry.txt} names files of {@code solutions/NN/src/main/java}, one a line. */
    private static void planCarried(Path root, Plan plan) throws IOException {
        Path carried = root.resolve("carried");
        for (String lesson : subfolders(carried)) {
            Path list = carried.resolve(lesson).resolve(CARRY_FILE);
            Path to = carried.resolve(lesson).resolve("src").resolve("main").resolve("java");
            plan.generatedRoots.add(to);
            if (!Files.isRegularFile(list)) {
                plan.errors.add("carried/" + lesson + ": has no " + CARRY_FILE + " naming the files it carries");
                continue;
            }
            Path from = root.resolve("solutions").resolve(lesson).resolve("src").resolve("main").resolve("java");
            for (String line : Files.readAllLines(list)) {
                String name = line.strip();
                if (name.isEmpty() || name.startsWith("#")) {
                    continue;
                }
                Path source = from.resolve(name);
                String display = Tools.display(root, source);
                if (!Files.isRegularFile(source)) {
                    plan.errors.add("carried/" + lesson + "/" + CARRY_FILE + ": " + display + " does not exist");
                    continue;
                }
                try {
                    String text = carried(Files.readString(source), display, lesson);
                    plan.expected.put(to.resolve(name), text.getBytes(StandardCharsets.UTF_8));
                } catch (StarterException e) {
                    plan.errors.add(e.getMessage());
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Code a lesson keeps, unchanged, from an earlier lesson
    // ---------------------------------------------------------------------------------------

    static final Pattern FROM = Pattern.compile("// From lesson (\\d\\d) \\((\\S+\\.java)\\), unchanged:");
    static final Pattern FROM_END = Pattern.compile("// \\(end of lesson (\\d\\d)'s code\\)");

    /**
     * A lesson's app starts as the previous lesson's finished app. What it keeps unchanged is
     * marked, so that the reader sees what is new and this check sees that the copy is exact:
     * <pre>
     *     // From lesson 05 (PollingApp.java), unchanged:
     *     ...lines that lesson 05's finished PollingApp.java has, in this order...
     *     // (end of lesson 05's code)
     * </pre>
     * The earlier file is read as it is finished: without markers and without its TODO comments.
     */
    static List<String> unchangedCopies(Path root) throws IOException {
        List<String> problems = new ArrayList<>();
        Path solutions = root.resolve("solutions");
        for (String lesson : subfolders(solutions)) {
            for (Path file : filesUnder(solutions.resolve(lesson).resolve("src").resolve("main"))) {
                Optional<String> text = text(Files.readAllBytes(file));
                if (text.isEmpty()) {
                    continue;
                }
                String[] lines = text.get().split("\n", -1);
                for (int i = 0; i < lines.length; i++) {
                    Matcher from = FROM.matcher(lines[i].strip());
                    if (!from.matches()) {
                        continue;
                    }
                    String where = Tools.display(root, file) + ":" + (i + 1);
                    List<String> copy = new ArrayList<>();
                    int end = i + 1;
                    while (end < lines.length && !FROM_END.matcher(lines[end].strip()).matches()) {
                        if (!isMarker(lines[end])) {
                            copy.add(lines[end].stripTrailing());
                        }
                        end++;
                    }
                    Matcher close = FROM_END.matcher(end < lines.length ? lines[end].strip() : "");
                    if (!close.matches() || !close.group(1).equals(from.group(1))) {
                        problems.add(where + ": no '// (end of lesson " + from.group(1) + "'s code)' closes this");
                        continue;
                    }
                    Optional<Path> source = findSource(solutions, from.group(1), from.group(2));
                    if (source.isEmpty()) {
                        problems.add(where + ": lesson " + from.group(1) + " has no " + from.group(2));
                    } else if (Collections.indexOfSubList(finishedView(Files.readString(source.get())), copy) < 0) {
                        problems.add(where + ": these " + copy.size() + " lines are no longer what lesson " + from.group(1)
                                + "'s " + from.group(2) + " has; make them the same, or end the marked part before the change");
                    }
                    i = end;
                }
            }
        }
        return problems;
    }

    private static Optional<Path> findSource(Path solutions, String number, String name) throws IOException {
        for (String lesson : subfolders(solutions)) {
            if (lesson.startsWith(number + "-")) {
                for (Path file : filesUnder(solutions.resolve(lesson).resolve("src").resolve("main"))) {
                    if (file.getFileName().toString().equals(name)) {
                        return Optional.of(file);
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** A finished file as a later lesson may copy it: no markers, no TODO comments, no trailing spaces. */
    static List<String> finishedView(String solution) {
        List<String> view = new ArrayList<>();
        boolean inTodoComment = false;
        for (String line : solution.split("\n", -1)) {
            String code = line.strip();
            if (isMarker(line) || FROM.matcher(code).matches() || FROM_END.matcher(code).matches()) {
                continue;
            }
            if (TODO_COMMENT.matcher(code).lookingAt()) {
                inTodoComment = true;
                continue;
            }
            if (inTodoComment && code.startsWith("//   ")) {
                continue;
            }
            inTodoComment = false;
            view.add(line.stripTrailing());
        }
        return view;
    }

    /** {@code starters --check}: changes nothing; returns 1 if any generated file differs. */
    static int check(Path root, PrintStream out) throws IOException {
        List<String> problems = differences(root);
        if (problems.isEmpty()) {
            out.println("starters: every file in lessons/ and carried/ is what the solutions generate.");
            return 0;
        }
        problems.forEach(out::println);
        out.println();
        out.println("starters: " + problems.size() + " problem(s). lessons/ and carried/ are generated from solutions/:"
                + " change the solution, then run  " + WRITE_COMMAND);
        return 1;
    }

    /** Every difference between the generated folders and what the solutions generate, one line each. */
    static List<String> differences(Path root) throws IOException {
        Plan plan = plan(root);
        List<String> problems = new ArrayList<>(plan.errors);
        problems.addAll(unchangedCopies(root));
        for (Map.Entry<Path, byte[]> entry : plan.expected.entrySet()) {
            Path file = entry.getKey();
            String name = Tools.display(root, file);
            if (!Files.isRegularFile(file)) {
                problems.add(name + ": missing (the solution has this file)");
                continue;
            }
            byte[] actual = Files.readAllBytes(file);
            if (!Arrays.equals(actual, entry.getValue())) {
                problems.add(name + firstDifference(entry.getValue(), actual));
            }
        }
        for (Path extra : extraFiles(plan)) {
            problems.add(Tools.display(root, extra) + ": extra (the solution has no such file)");
        }
        Map<String, String> generated = new TreeMap<>();
        plan.expected.forEach((file, content) -> generated.put(Tools.display(root, file), sha256(content)));
        if (problems.isEmpty() && !generated.equals(readLock(root))) {
            problems.add(LOCK + ": does not list what was generated (run " + WRITE_COMMAND + " and commit it)");
        }
        return problems;
    }

    /**
     * {@code starters --write [--force]}: makes every generated file what the solutions generate.
     * A file that differs from what was generated last (an edit) is left alone, and the command
     * fails, unless {@code force}; then it is first copied into a new backup folder, which is named.
     */
    static int write(Path root, boolean force, PrintStream out) throws IOException {
        Plan plan = plan(root);
        if (!plan.errors.isEmpty()) {
            plan.errors.forEach(out::println);
            out.println();
            out.println("starters: nothing written; fix the " + plan.errors.size() + " problem(s) above first.");
            return 1;
        }
        Map<String, String> lastGenerated = readLock(root);
        List<Path> edited = new ArrayList<>();
        List<Path> changes = new ArrayList<>();
        for (Map.Entry<Path, byte[]> entry : plan.expected.entrySet()) {
            Path file = entry.getKey();
            if (Files.isRegularFile(file) && Arrays.equals(Files.readAllBytes(file), entry.getValue())) {
                continue;
            }
            changes.add(file);
            if (Files.isRegularFile(file) && !wasGenerated(root, file, lastGenerated)) {
                edited.add(file);
            }
        }
        List<Path> extras = extraFiles(plan);
        for (Path extra : extras) {
            changes.add(extra);
            if (!wasGenerated(root, extra, lastGenerated)) {
                edited.add(extra);
            }
        }
        if (!edited.isEmpty() && !force) {
            out.println("starters: nothing written. These files were changed since they were generated (someone's work?):");
            edited.forEach(file -> out.println("  " + Tools.display(root, file)));
            out.println("To replace them anyway, after a backup of each into .backups/, add --force.");
            return 1;
        }
        Optional<Backup> backup = edited.isEmpty() ? Optional.empty() : Optional.of(Backup.create(root, "starters"));
        for (Path file : edited) {
            backup.get().save(file);
        }
        for (Path file : changes) {
            byte[] content = plan.expected.get(file);
            String name = Tools.display(root, file);
            if (content == null) {
                Files.delete(file);
                out.println("deleted " + name);
            } else {
                boolean exists = Files.isRegularFile(file);
                Files.createDirectories(file.getParent());
                Files.write(file, content);
                out.println((exists ? "updated " : "created ") + name);
            }
        }
        for (Path generatedRoot : plan.generatedRoots) {
            for (Path folder : deleteEmptyFolders(generatedRoot)) {
                out.println("deleted empty folder " + Tools.display(root, folder));
            }
        }
        Files.writeString(root.resolve(LOCK), lockText(root, plan));
        backup.ifPresent(b -> out.println("starters: your versions of " + edited.size() + " file(s) are in " + b.display()));
        out.println(changes.isEmpty() ? "starters: already up to date." : "starters: " + changes.size() + " file(s) changed.");
        return 0;
    }

    /**
     * {@code reset NN}: makes one lesson's starter what it was, code and tests. Every file of the
     * lesson that differs, or that the starter does not have, is first copied into a new folder
     * under {@code .backups/}, which is named. Nothing outside {@code lessons/NN-name/src} is touched.
     */
    static int reset(Path root, String asked, PrintStream out) throws IOException {
        List<String> matches = subfolders(root.resolve("lessons")).stream()
                .filter(name -> name.equals(asked) || name.startsWith(asked + "-")).collect(Collectors.toList());
        if (matches.size() != 1) {
            out.println("reset: say which lesson by its number, e.g. reset 04; '" + asked + "' matches "
                    + (matches.isEmpty() ? "no lesson" : matches) + ". Lessons: " + subfolders(root.resolve("lessons")));
            return 2;
        }
        String lesson = matches.get(0);
        Path src = root.resolve("lessons").resolve(lesson).resolve("src");
        Plan plan = plan(root);
        if (!plan.errors.isEmpty()) {
            plan.errors.forEach(out::println);
            out.println("reset: nothing changed; the solutions have the problems above.");
            return 1;
        }
        List<Path> changed = new ArrayList<>();
        for (Map.Entry<Path, byte[]> entry : plan.expected.entrySet()) {
            Path file = entry.getKey();
            if (file.startsWith(src) && !(Files.isRegularFile(file) && Arrays.equals(Files.readAllBytes(file), entry.getValue()))) {
                changed.add(file);
            }
        }
        for (Path file : filesUnder(src)) {
            if (!plan.expected.containsKey(file)) {
                changed.add(file);
            }
        }
        if (changed.isEmpty()) {
            out.println("reset: lessons/" + lesson + " is already as it starts; nothing changed.");
            return 0;
        }
        Backup backup = Backup.create(root, "reset-" + lesson);
        for (Path file : changed) {
            if (Files.isRegularFile(file)) {
                backup.save(file);
            }
        }
        for (Path file : changed) {
            byte[] content = plan.expected.get(file);
            if (content == null) {
                Files.delete(file);
            } else {
                Files.createDirectories(file.getParent());
                Files.write(file, content);
            }
            out.println("restored " + Tools.display(root, file));
        }
        deleteEmptyFolders(src);
        out.println("reset: lessons/" + lesson + " is as it starts again. Your version of the " + changed.size()
                + " file(s) above is in " + backup.display());
        return 0;
    }

    private static boolean wasGenerated(Path root, Path file, Map<String, String> lastGenerated) throws IOException {
        return sha256(Files.readAllBytes(file)).equals(lastGenerated.get(Tools.display(root, file)));
    }

    private static String lockText(Path root, Plan plan) {
        StringBuilder text = new StringBuilder("# What `starters --write` generated last: sha256 and file."
                + " It leaves a file alone that no longer matches (an edit).\n");
        plan.expected.forEach((file, content) -> text.append(sha256(content)).append("  ")
                .append(Tools.display(root, file)).append('\n'));
        return text.toString();
    }

    private static Map<String, String> readLock(Path root) throws IOException {
        Map<String, String> hashes = new TreeMap<>();
        Path lock = root.resolve(LOCK);
        if (Files.isRegularFile(lock)) {
            for (String line : Files.readAllLines(lock)) {
                int gap = line.indexOf("  ");
                if (!line.startsWith("#") && gap > 0) {
                    hashes.put(line.substring(gap + 2), line.substring(0, gap));
                }
            }
        }
        return hashes;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Path> extraFiles(Plan plan) throws IOException {
        List<Path> extra = new ArrayList<>();
        for (Path generatedRoot : plan.generatedRoots) {
            for (Path file : filesUnder(generatedRoot)) {
                if (!plan.expected.containsKey(file)) {
                    extra.add(file);
                }
            }
        }
        return extra;
    }

    /** ": line 12: expected '...' but found '...'" for the first line where the two differ. */
    static String firstDifference(byte[] expectedBytes, byte[] actualBytes) {
        Optional<String> expected = text(expectedBytes);
        Optional<String> actual = text(actualBytes);
        if (expected.isEmpty() || actual.isEmpty()) {
            return ": differs (binary content)";
        }
        String[] want = expected.get().split("\n", -1);
        String[] have = actual.get().split("\n", -1);
        for (int i = 0; i < Math.max(want.length, have.length); i++) {
            String w = i < want.length ? quote(want[i]) : "<end of file>";
            String h = i < have.length ? quote(have[i]) : "<end of file>";
            if (!w.equals(h)) {
                return ": line " + (i + 1) + ": expected " + w + " but found " + h;
            }
        }
        return ": differs"; // unreachable for different texts, kept for safety
    }

    private static String quote(String line) {
        return "'" + line.replace("\r", "\\r").replace("\t", "\\t") + "'";
    }

    /** The bytes as UTF-8 text, or empty if they are not text (invalid UTF-8 or a NUL byte). */
    static Optional<String> text(byte[] bytes) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
            return text.indexOf('\0') >= 0 ? Optional.empty() : Optional.of(text);
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    static TreeSet<String> subfolders(Path dir) throws IOException {
        TreeSet<String> names = new TreeSet<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> children = Files.list(dir)) {
                children.filter(Files::isDirectory).map(p -> p.getFileName().toString()).forEach(names::add);
            }
        }
        return names;
    }

    static List<Path> filesUnder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        }
    }

    /** Removes empty folders under {@code dir} (not {@code dir} itself), e.g. left by a deletion. */
    private static List<Path> deleteEmptyFolders(Path dir) throws IOException {
        List<Path> deleted = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return deleted;
        }
        List<Path> folders;
        try (Stream<Path> all = Files.walk(dir)) {
            folders = all.filter(Files::isDirectory).filter(p -> !p.equals(dir))
                    .sorted(Comparator.comparingInt(Path::getNameCount).reversed())
                    .collect(Collectors.toList());
        }
        for (Path folder : folders) {
            try (Stream<Path> children = Files.list(folder)) {
                if (children.findAny().isEmpty()) {
                    Files.delete(folder);
                    deleted.add(folder);
                }
            }
        }
        return deleted;
    }
}
