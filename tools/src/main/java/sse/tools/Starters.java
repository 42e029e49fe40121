package sse.tools;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Starters are derived from solutions: {@code lessons/NN-name/src/main/} is what
 * {@code solutions/NN-name/src/main/} becomes once its exercise regions are replaced by their
 * starter code. In a solution file a region looks like this (markers alone on their lines):
 * <pre>
 *         // solution:begin
 *         stream.send(event);                 (solution lines: dropped from the starter)
 *         // solution:starter
 *         // throw Todo.todo(1, "...", "...");  (starter lines: uncommented into the starter)
 *         //                                    ("//" alone: an empty line)
 *         // solution:end
 * </pre>
 * The {@code solution:starter} part is optional. Everything outside regions is copied as is.
 */
final class Starters {

    static final String BEGIN = "// solution:begin";
    static final String STARTER = "// solution:starter";
    static final String END = "// solution:end";

    /** Something that looks like a marker but is not exactly one, e.g. "// solution: begin". */
    private static final Pattern MARKER_LIKE = Pattern.compile("//\\s*solution\\s*:\\s*(begin|starter|end)\\b.*");

    private static final String WRITE_COMMAND = Tools.RUN + "\"starters --write\"";

    private Starters() {
    }

    enum Marker { BEGIN, STARTER, END }

    /** The marker on this line, if the line is one (any indentation, nothing else on it). */
    static Optional<Marker> markerOf(String line) {
        switch (line.strip()) {
            case BEGIN:
                return Optional.of(Marker.BEGIN);
            case STARTER:
                return Optional.of(Marker.STARTER);
            case END:
                return Optional.of(Marker.END);
            default:
                return Optional.empty();
        }
    }

    /** A solution file that cannot be turned into a starter; the message starts with file:line. */
    static final class StarterException extends Exception {
        StarterException(String file, int line, String problem) {
            super(file + ":" + line + ": " + problem, null, false, false);
        }
    }

    // ---------------------------------------------------------------------------------------
    // The transformation of one file
    // ---------------------------------------------------------------------------------------

    /**
     * The starter for one solution file's text ({@code \n} line endings).
     *
     * @param file the file's name, used in error messages
     */
    static String derive(String solution, String file) throws StarterException {
        List<String> starter = new ArrayList<>();
        int regionStart = 0;       // line of the open region's "begin", 0 when outside a region
        boolean inStarterPart = false;
        boolean endsWithNewline = solution.endsWith("\n");
        String[] lines = (endsWithNewline ? solution.substring(0, solution.length() - 1) : solution).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int lineNumber = i + 1;
            Optional<Marker> marker = markerOf(line);
            if (marker.isEmpty()) {
                if (MARKER_LIKE.matcher(line.strip()).matches()) {
                    throw new StarterException(file, lineNumber, "looks like a marker but is not one: '" + line.strip()
                            + "'; a marker is exactly '" + BEGIN + "', '" + STARTER + "' or '" + END
                            + "', alone on its line");
                }
                if (regionStart == 0) {
                    starter.add(line);
                } else if (inStarterPart) {
                    starter.add(uncomment(line, file, lineNumber));
                }
                // else: a solution line, left out of the starter
                continue;
            }
            switch (marker.get()) {
                case BEGIN:
                    if (regionStart != 0) {
                        throw new StarterException(file, lineNumber, "'" + BEGIN + "' inside the region that begins"
                                + " at line " + regionStart + "; regions cannot nest (close it with '" + END + "' first)");
                    }
                    regionStart = lineNumber;
                    inStarterPart = false;
                    break;
                case STARTER:
                    if (regionStart == 0) {
                        throw new StarterException(file, lineNumber, "'" + STARTER + "' without a '" + BEGIN + "' before it");
                    }
                    if (inStarterPart) {
                        throw new StarterException(file, lineNumber, "a second '" + STARTER + "' in the region that"
                                + " begins at line " + regionStart);
                    }
                    inStarterPart = true;
                    break;
                case END:
                    if (regionStart == 0) {
                        throw new StarterException(file, lineNumber, "'" + END + "' without a '" + BEGIN + "' before it");
                    }
                    regionStart = 0;
                    inStarterPart = false;
                    break;
                default:
                    throw new AssertionError(marker.get());
            }
        }
        if (regionStart != 0) {
            throw new StarterException(file, regionStart, "the region that begins here is not closed:"
                    + " add '" + END + "' after its last line");
        }
        return starter.isEmpty() ? "" : String.join("\n", starter) + (endsWithNewline ? "\n" : "");
    }

    /**
     * A starter line without its comment: "    // code" becomes "    code", and "    //" an
     * empty line (no trailing spaces).
     */
    private static String uncomment(String line, String file, int lineNumber) throws StarterException {
        String code = line.stripLeading();
        String indentation = line.substring(0, line.length() - code.length());
        if (code.startsWith("// ")) {
            return indentation + code.substring(3);
        }
        if (code.strip().equals("//")) {
            return "";
        }
        throw new StarterException(file, lineNumber, "this starter line is not written as a comment: '" + line.strip()
                + "'; between '" + STARTER + "' and '" + END + "' every line is '// ' + code, or '//' for an empty line");
    }

    // ---------------------------------------------------------------------------------------
    // The repository: every lesson
    // ---------------------------------------------------------------------------------------

    /** What {@code lessons/} should hold: file (relative to the root) to content, or errors. */
    private static final class Plan {
        final Map<Path, byte[]> expected = new TreeMap<>();  // lessons/NN/src/main/... -> bytes
        final List<Path> lessonRoots = new ArrayList<>();    // lessons/NN/src/main of every pair
        final List<String> errors = new ArrayList<>();
    }

    private static Plan plan(Path root) throws IOException {
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
            Path from = solutions.resolve(lesson).resolve("src").resolve("main");
            Path to = lessons.resolve(lesson).resolve("src").resolve("main");
            plan.lessonRoots.add(to);
            for (Path file : filesUnder(from)) {
                Path relative = from.relativize(file);
                byte[] bytes = Files.readAllBytes(file);
                Optional<String> text = text(bytes);
                if (text.isEmpty()) {
                    plan.expected.put(to.resolve(relative), bytes); // not text: copied as is
                    continue;
                }
                try {
                    String starter = derive(text.get(), Tools.display(root, file));
                    plan.expected.put(to.resolve(relative), starter.getBytes(StandardCharsets.UTF_8));
                } catch (StarterException e) {
                    plan.errors.add(e.getMessage());
                }
            }
        }
        return plan;
    }

    /** {@code starters --check}: changes nothing; returns 1 if any lesson differs. */
    static int check(Path root, PrintStream out) throws IOException {
        List<String> problems = differences(root);
        if (problems.isEmpty()) {
            out.println("starters: every lesson's src/main/ is what its solution derives.");
            return 0;
        }
        problems.forEach(out::println);
        out.println();
        out.println("starters: " + problems.size() + " problem(s). lessons/*/src/main/ is made from solutions/*/src/main/:"
                + " change the solution, then run  " + WRITE_COMMAND);
        return 1;
    }

    /** Every difference between {@code lessons/} and what the solutions derive, one line each. */
    static List<String> differences(Path root) throws IOException {
        Plan plan = plan(root);
        List<String> problems = new ArrayList<>(plan.errors);
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
        return problems;
    }

    /** {@code starters --write}: makes every lesson's src/main/ what its solution derives. */
    static int write(Path root, PrintStream out) throws IOException {
        Plan plan = plan(root);
        if (!plan.errors.isEmpty()) {
            plan.errors.forEach(out::println);
            out.println();
            out.println("starters: nothing written; fix the " + plan.errors.size() + " problem(s) above first.");
            return 1;
        }
        int changes = 0;
        for (Map.Entry<Path, byte[]> entry : plan.expected.entrySet()) {
            Path file = entry.getKey();
            boolean exists = Files.isRegularFile(file);
            if (exists && Arrays.equals(Files.readAllBytes(file), entry.getValue())) {
                continue;
            }
            Files.createDirectories(file.getParent());
            Files.write(file, entry.getValue());
            out.println((exists ? "updated " : "created ") + Tools.display(root, file));
            changes++;
        }
        for (Path extra : extraFiles(plan)) {
            Files.delete(extra);
            out.println("deleted " + Tools.display(root, extra));
            changes++;
        }
        for (Path lessonRoot : plan.lessonRoots) {
            for (Path folder : deleteEmptyFolders(lessonRoot)) {
                out.println("deleted empty folder " + Tools.display(root, folder));
            }
        }
        out.println(changes == 0 ? "starters: already up to date." : "starters: " + changes + " file(s) changed.");
        return 0;
    }

    private static List<Path> extraFiles(Plan plan) throws IOException {
        List<Path> extra = new ArrayList<>();
        for (Path lessonRoot : plan.lessonRoots) {
            for (Path file : filesUnder(lessonRoot)) {
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

    private static TreeSet<String> subfolders(Path dir) throws IOException {
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
