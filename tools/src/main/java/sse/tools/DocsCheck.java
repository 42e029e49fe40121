package sse.tools;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Checks that the docs show the code that runs and that nothing they point to is dead:
 * <ul>
 *   <li><b>snippets</b>: a line {@code <!-- snippet: path/to/File.java -->} followed by a fenced
 *       code block promises that the block's lines appear, in a row, in that file (exercise markers
 *       and starter parts removed, indentation and trailing spaces ignored, a line {@code // ...}
 *       standing for any number of lines);</li>
 *   <li><b>links</b>: every relative link in {@code README.md} and {@code docs/} names an existing
 *       file or folder, and its {@code #anchor}, if any, a heading of the target;</li>
 *   <li><b>TODO pointers</b>: every {@code "docs/NN-name.md#section"} in a Java string literal
 *       under {@code lessons/}, {@code solutions/} and {@code support/} resolves the same way;</li>
 *   <li><b>hints before answers</b> (in {@code docs/}): in a TODO section, from a heading that starts
 *       with "TODO n" to the next heading of the same or a higher level, a snippet of
 *       {@code solutions/} sits inside {@code <details>...</details>}, and a code block never follows a
 *       {@code <details>} or {@code <summary>} line without a blank line between (GitHub would show it
 *       as raw text);</li>
 *   <li><b>PowerShell beside curl</b> (in {@code docs/}): a code block with a line that starts with
 *       {@code curl } is followed, before any heading, by a {@code ```powershell} block, or itself
 *       shows the {@code curl.exe} line; a {@code powershell} block never calls plain {@code curl}
 *       (in Windows PowerShell 5.1 that is Invoke-WebRequest).</li>
 * </ul>
 */
final class DocsCheck {

    private static final Pattern SNIPPET = Pattern.compile("\\s*<!--\\s*snippet:\\s*(\\S+)\\s*-->\\s*");
    private static final Pattern FENCE = Pattern.compile("\\s{0,3}(`{3,}|~{3,}).*");
    private static final Pattern ATX_HEADING = Pattern.compile("\\s{0,3}#{1,6}(?:\\s+(.*?))?(?:\\s+#+)?\\s*");
    private static final Pattern SETEXT_UNDERLINE = Pattern.compile("\\s{0,3}(=+|-+)\\s*");
    /** [text](target) or ![alt](target), with an optional "title". */
    private static final Pattern INLINE_LINK =
            Pattern.compile("\\[(?:[^\\[\\]]|\\[[^\\[\\]]*\\])*\\]\\(\\s*(<[^>]*>|[^)\\s]+)(?:\\s+(?:\"[^\"]*\"|'[^']*'))?\\s*\\)");
    /** [label]: target (not a footnote, [^1]: ...) */
    private static final Pattern LINK_DEFINITION = Pattern.compile("\\s{0,3}\\[[^\\]^][^\\]]*\\]:\\s*(<[^>]*>|\\S+).*");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+).+?\\1");
    private static final Pattern SCHEME = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*:.*");
    private static final Pattern LINE_ANCHOR = Pattern.compile("L(\\d+)(?:-L(\\d+))?");
    static final Pattern TODO_POINTER = Pattern.compile("docs/[a-z0-9-]+\\.md#[a-z0-9-]+");
    /** The text of a heading that opens a TODO section: "TODO 3: broadcast to every client". */
    private static final Pattern TODO_HEADING = Pattern.compile("TODO\\s+\\d+\\b.*");
    private static final Pattern DETAILS_OPEN = Pattern.compile("<details(?=[\\s>])", Pattern.CASE_INSENSITIVE);
    private static final Pattern DETAILS_CLOSE = Pattern.compile("</details\\s*>", Pattern.CASE_INSENSITIVE);
    /** A line that starts an HTML block running to the next blank line (CommonMark's type 6). */
    private static final Pattern DETAILS_BLOCK_LINE = Pattern.compile("\\s{0,3}</?(details|summary)(?=[\\s>/]|$).*",
            Pattern.CASE_INSENSITIVE);
    private static final String POWERSHELL = "powershell";
    private static final String ELISION = "// ...";

    private final Path root;
    private final List<String> problems = new ArrayList<>();
    private final Map<Path, Set<String>> anchorsByFile = new HashMap<>();

    private DocsCheck(Path root) {
        this.root = root;
    }

    /** {@code docs --check}: prints every problem; returns 1 if there is any. */
    static int run(Path root, PrintStream out) throws IOException {
        List<String> problems = check(root);
        if (problems.isEmpty()) {
            out.println("docs: every snippet, link and TODO pointer resolves, every answer is folded away,"
                    + " every curl has its PowerShell line ("
                    + markdownFiles(root).size() + " Markdown file(s) read).");
            return 0;
        }
        problems.forEach(out::println);
        out.println();
        out.println("docs: " + problems.size() + " problem(s).");
        return 1;
    }

    /** Every problem in the repository's docs, one line each, starting with file:line. */
    static List<String> check(Path root) throws IOException {
        DocsCheck check = new DocsCheck(root);
        for (Path markdown : markdownFiles(root)) {
            List<String> lines = readLines(markdown);
            check.checkSnippets(markdown, lines);
            check.checkLinks(markdown, lines);
            if (markdown.startsWith(root.resolve("docs"))) {
                check.checkAnswersFolded(markdown, lines);
            }
            check.checkPowerShellBesideCurl(markdown, lines);
        }
        check.checkTodoPointers();
        return check.problems;
    }

    /** {@code README.md} and every {@code .md} under {@code docs/}. */
    static List<Path> markdownFiles(Path root) throws IOException {
        List<Path> files = new ArrayList<>();
        if (Files.isRegularFile(root.resolve("README.md"))) {
            files.add(root.resolve("README.md"));
        }
        Starters.filesUnder(root.resolve("docs")).stream()
                .filter(p -> p.getFileName().toString().endsWith(".md"))
                .forEach(files::add);
        return files;
    }

    private void problem(Path file, int line, String message) {
        problems.add(Tools.display(root, file) + ":" + line + ": " + message);
    }

    // ---------------------------------------------------------------------------------------
    // Snippets
    // ---------------------------------------------------------------------------------------

    private void checkSnippets(Path markdown, List<String> lines) throws IOException {
        for (int i = 0; i < lines.size(); i++) {
            Matcher snippet = SNIPPET.matcher(lines.get(i));
            if (!snippet.matches()) {
                continue;
            }
            int commentLine = i + 1;
            String source = snippet.group(1);
            int open = i + 1;
            while (open < lines.size() && lines.get(open).isBlank()) {
                open++;
            }
            Matcher fence = open < lines.size() ? FENCE.matcher(lines.get(open)) : null;
            if (fence == null || !fence.matches()) {
                problem(markdown, commentLine, "snippet of " + source + " is not followed by a fenced code block (```)");
                continue;
            }
            int close = closingFence(lines, open, fence.group(1));
            if (close < 0) {
                problem(markdown, open + 1, "the code block of the snippet of " + source + " is never closed");
                continue;
            }
            Path file = root.resolve(source).normalize();
            if (!file.startsWith(root) || !Files.isRegularFile(file)) {
                problem(markdown, commentLine, "snippet of " + source + ": no such file");
                continue;
            }
            List<String> block = lines.subList(open + 1, close);
            int unmatched = firstUnmatchedLine(block, sourceView(readLines(file)));
            if (unmatched >= 0) {
                problem(markdown, commentLine, "snippet does not match " + source + ": line " + (open + 2 + unmatched)
                        + " '" + block.get(unmatched).strip() + "' is not there (after the lines before it)");
            }
            i = close;
        }
    }

    /** The index of the line that closes the code block opened at {@code open}, or -1. */
    private static int closingFence(List<String> lines, int open, String fence) {
        for (int j = open + 1; j < lines.size(); j++) {
            if (closes(lines.get(j), fence)) {
                return j;
            }
        }
        return -1;
    }

    /** Whether {@code line} closes a code block opened with {@code fence} (``` or ~~~, or longer). */
    private static boolean closes(String line, String fence) {
        String s = line.strip();
        return s.length() >= fence.length() && s.chars().allMatch(c -> c == fence.charAt(0));
    }

    /** Which lines belong to fenced code blocks, fences included: no links or headings there. */
    private static boolean[] codeBlockLines(List<String> lines) {
        boolean[] code = new boolean[lines.size()];
        for (int i = 0; i < lines.size(); i++) {
            Matcher fence = FENCE.matcher(lines.get(i));
            if (fence.matches()) {
                int close = closingFence(lines, i, fence.group(1));
                int end = close < 0 ? lines.size() - 1 : close; // an unclosed block runs to the end
                Arrays.fill(code, i, end + 1, true);
                i = end;
            }
        }
        return code;
    }

    /**
     * A source file as a snippet may show it: the solution, without the exercise markers.
     */
    static List<String> sourceView(List<String> lines) {
        List<String> view = new ArrayList<>();
        for (String line : lines) {
            if (!Starters.isMarker(line)) {
                view.add(line);
            }
        }
        return view;
    }

    /**
     * Whether the snippet's lines appear as a contiguous run in {@code source}: -1 if they do,
     * otherwise the index of the snippet line that could not be matched (after the longest
     * matching start). Indentation is compared relative to the block; trailing spaces are
     * ignored; a snippet line {@code // ...} matches any number of source lines, zero included.
     */
    static int firstUnmatchedLine(List<String> snippet, List<String> source) {
        List<String> want = dedent(stripTrailing(snippet));
        List<String> have = stripTrailing(source);
        if (want.stream().allMatch(line -> line.isEmpty() || isElision(line))) {
            return -1; // nothing concrete to look for
        }
        Matching matching = new Matching(want, have);
        for (int start = 0; start < have.size(); start++) {
            if (matching.matches(0, start, null)) {
                return -1;
            }
        }
        return Math.min(matching.furthest, want.size() - 1);
    }

    /** Backtracking match of snippet lines against source lines, with one indentation shift. */
    private static final class Matching {
        final List<String> want;
        final List<String> have;
        final Set<String> failed = new HashSet<>();
        int furthest;

        Matching(List<String> want, List<String> have) {
            this.want = want;
            this.have = have;
        }

        /**
         * Whether {@code want[w..]} matches {@code have} from line {@code h} on; {@code shift} is the
         * extra indentation of the source, fixed by the first non-blank line (null until then).
         */
        boolean matches(int w, int h, String shift) {
            if (w == want.size()) {
                return true;
            }
            String key = w + ":" + h + ":" + shift;
            if (failed.contains(key)) {
                return false;
            }
            boolean result = matchHere(w, h, shift);
            if (!result) {
                failed.add(key);
            }
            return result;
        }

        private boolean matchHere(int w, int h, String shift) {
            String line = want.get(w);
            if (isElision(line)) {
                for (int next = h; next <= have.size(); next++) {
                    if (matches(w + 1, next, shift)) {
                        return true;
                    }
                }
                return false;
            }
            furthest = Math.max(furthest, w);
            if (h == have.size()) {
                return false;
            }
            String actual = have.get(h);
            if (line.isEmpty()) {
                return actual.isEmpty() && matches(w + 1, h + 1, shift);
            }
            if (shift == null) {
                int extra = actual.length() - line.length();
                if (extra < 0 || !actual.endsWith(line) || !actual.substring(0, extra).isBlank()) {
                    return false;
                }
                return matches(w + 1, h + 1, actual.substring(0, extra));
            }
            return actual.equals(shift + line) && matches(w + 1, h + 1, shift);
        }
    }

    private static boolean isElision(String line) {
        return line.strip().equals(ELISION);
    }

    private static List<String> stripTrailing(List<String> lines) {
        return lines.stream().map(String::stripTrailing).collect(Collectors.toList());
    }

    /** Removes the indentation that all non-blank lines share (elision lines do not count). */
    static List<String> dedent(List<String> lines) {
        int common = lines.stream()
                .filter(line -> !line.isBlank() && !isElision(line))
                .mapToInt(line -> line.length() - line.stripLeading().length())
                .min().orElse(0);
        return lines.stream()
                .map(line -> line.isBlank() ? "" : isElision(line) ? ELISION
                        : line.substring(Math.min(common, line.length() - line.stripLeading().length())))
                .collect(Collectors.toList());
    }

    // ---------------------------------------------------------------------------------------
    // Links and anchors
    // ---------------------------------------------------------------------------------------

    private void checkLinks(Path markdown, List<String> lines) throws IOException {
        boolean[] code = codeBlockLines(lines);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (code[i]) {
                continue;
            }
            String text = CODE_SPAN.matcher(line).replaceAll("");
            List<String> targets = new ArrayList<>();
            Matcher inline = INLINE_LINK.matcher(text);
            while (inline.find()) {
                targets.add(inline.group(1));
            }
            Matcher definition = LINK_DEFINITION.matcher(text);
            if (definition.matches()) {
                targets.add(definition.group(1));
            }
            for (String target : targets) {
                checkLink(markdown, i + 1, target);
            }
        }
    }

    private void checkLink(Path markdown, int line, String rawTarget) throws IOException {
        String target = rawTarget.startsWith("<") ? rawTarget.substring(1, rawTarget.length() - 1) : rawTarget;
        if (SCHEME.matcher(target).matches() || target.startsWith("//")) {
            return; // http:, https:, mailto:, ...: not a file in this repository
        }
        int hash = target.indexOf('#');
        String pathPart = decode(hash < 0 ? target : target.substring(0, hash));
        String anchor = hash < 0 ? null : decode(target.substring(hash + 1));
        Path file = pathPart.isEmpty() ? markdown : markdown.getParent().resolve(pathPart).normalize();
        if (!file.startsWith(root)) {
            problem(markdown, line, "link " + rawTarget + " leaves the repository");
            return;
        }
        if (!Files.exists(file)) {
            problem(markdown, line, "link " + rawTarget + ": no such file or folder " + Tools.display(root, file));
            return;
        }
        if (anchor != null) {
            anchorProblem(file, anchor).ifPresent(why -> problem(markdown, line, "link " + rawTarget + ": " + why));
        }
    }

    /** Why {@code #anchor} does not lead anywhere in {@code file}, or empty if it does. */
    private Optional<String> anchorProblem(Path file, String anchor) throws IOException {
        String name = Tools.display(root, file);
        if (Files.isDirectory(file)) {
            return Optional.of(name + " is a folder; it has no #" + anchor);
        }
        if (file.getFileName().toString().endsWith(".md")) {
            Set<String> anchors = anchors(file);
            return anchors.contains(anchor) ? Optional.empty()
                    : Optional.of(name + " has no heading #" + anchor + " (its headings: "
                    + (anchors.isEmpty() ? "none" : "#" + String.join(", #", anchors)) + ")");
        }
        Matcher lines = LINE_ANCHOR.matcher(anchor);
        if (lines.matches()) { // GitHub's #L12 or #L12-L20 on a source file
            int last = Integer.parseInt(lines.group(lines.group(2) == null ? 1 : 2));
            int count = readLines(file).size();
            return last <= count ? Optional.empty() : Optional.of(name + " has only " + count + " lines");
        }
        return Optional.of(name + " is not Markdown, so #" + anchor + " cannot be checked;"
                + " link the file, or a line as #L12");
    }

    private Set<String> anchors(Path markdown) throws IOException {
        Set<String> anchors = anchorsByFile.get(markdown);
        if (anchors == null) {
            anchors = headingSlugs(readLines(markdown));
            anchorsByFile.put(markdown, anchors);
        }
        return anchors;
    }

    /** The anchors GitHub gives the headings of a Markdown file, in order. */
    static Set<String> headingSlugs(List<String> lines) {
        Set<String> slugs = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean[] code = codeBlockLines(lines);
        for (int i = 0; i < lines.size(); i++) {
            Heading heading = code[i] ? null : headingAt(lines, i);
            if (heading != null) {
                String slug = slug(heading.text());
                int count = seen.merge(slug, 1, Integer::sum);
                slugs.add(count == 1 ? slug : slug + "-" + (count - 1));
            }
        }
        return slugs;
    }

    /** A heading's level (1 for {@code #} or a {@code ===} underline) and its text. */
    record Heading(int level, String text) {
    }

    /** The heading on line {@code i} (not inside a code block), or null if that line is none. */
    private static Heading headingAt(List<String> lines, int i) {
        String line = lines.get(i);
        Matcher atx = ATX_HEADING.matcher(line);
        if (atx.matches()) {
            int level = (int) line.strip().chars().takeWhile(c -> c == '#').count();
            return new Heading(level, atx.group(1) == null ? "" : atx.group(1));
        }
        if (i + 1 < lines.size() && SETEXT_UNDERLINE.matcher(lines.get(i + 1)).matches() && isParagraphText(line)) {
            return new Heading(lines.get(i + 1).strip().startsWith("=") ? 1 : 2, line.strip());
        }
        return null;
    }

    /** A line that can be the text of a setext heading (not blank, not a list, quote or table line). */
    private static boolean isParagraphText(String line) {
        String s = line.strip();
        return !s.isEmpty() && !line.startsWith("    ") && !s.startsWith(">") && !s.startsWith("|")
                && !s.matches("([-*+]|\\d+[.)])(\\s.*)?") && !SETEXT_UNDERLINE.matcher(line).matches()
                && !s.startsWith("<");
    }

    /**
     * GitHub's anchor for a heading: the heading's text (links reduced to their text, HTML tags
     * removed), lower-cased, with everything but letters, digits, spaces, hyphens and underscores
     * removed, and each space turned into a hyphen.
     */
    static String slug(String heading) {
        String text = heading
                .replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1")
                .replaceAll("<[^>]+>", "");
        return text.strip().toLowerCase(java.util.Locale.ROOT)
                .replaceAll("[^\\p{L}\\p{M}\\p{N} _-]", "")
                .replace(' ', '-');
    }

    // ---------------------------------------------------------------------------------------
    // Hints before answers (docs/), and PowerShell beside curl (docs/ and README.md)
    // ---------------------------------------------------------------------------------------

    /**
     * In a TODO section, the finished code (a snippet of {@code solutions/}) must sit inside
     * {@code <details>}, so that the learner reads the idea and the hint before the answer; and a
     * code block must not follow a {@code <details>} or {@code <summary>} line before a blank line,
     * or GitHub takes it for part of the HTML and shows its fences as text.
     */
    private void checkAnswersFolded(Path markdown, List<String> lines) {
        String todo = null;          // the heading of the TODO section we are in, if any
        int todoLevel = 0;
        int depth = 0;               // how many <details> are open
        int openedAt = -1;           // the line of the outermost open <details>
        boolean htmlBlock = false;   // a <details>/<summary> line was seen, and no blank line since
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher fence = FENCE.matcher(line);
            if (fence.matches()) {
                if (htmlBlock) {
                    problem(markdown, i + 1, "a code block right after a <details> or <summary> line: leave a blank"
                            + " line between them, or GitHub shows the block as raw text");
                    htmlBlock = false;
                }
                int close = closingFence(lines, i, fence.group(1));
                i = close < 0 ? lines.size() : close;
                continue;
            }
            if (line.isBlank()) {
                htmlBlock = false;
                continue;
            }
            Heading heading = headingAt(lines, i);
            if (heading != null) {
                if (todo != null && heading.level() <= todoLevel) {
                    todo = null;
                }
                if (TODO_HEADING.matcher(heading.text().strip()).matches()) {
                    todo = heading.text().strip();
                    todoLevel = heading.level();
                }
                continue;
            }
            String text = CODE_SPAN.matcher(line).replaceAll("");
            if (DETAILS_BLOCK_LINE.matcher(text).matches()) {
                htmlBlock = true;
            }
            Matcher open = DETAILS_OPEN.matcher(text);
            while (open.find()) {
                if (depth++ == 0) {
                    openedAt = i;
                }
            }
            Matcher close = DETAILS_CLOSE.matcher(text);
            while (close.find()) {
                depth = Math.max(0, depth - 1);
            }
            Matcher snippet = SNIPPET.matcher(line);
            if (snippet.matches() && todo != null && depth == 0 && snippet.group(1).startsWith("solutions/")) {
                problem(markdown, i + 1, "\"" + todo + "\" shows the finished code of " + snippet.group(1)
                        + " in the open: give the hint first and put the code inside"
                        + " <details><summary>The finished code</summary> ... </details>");
            }
        }
        if (depth > 0) {
            problem(markdown, openedAt + 1, "this <details> is never closed: everything after it is folded away");
        }
    }

    /**
     * A code block with a {@code curl } command has its PowerShell version beside it: in Windows
     * PowerShell 5.1 {@code curl} is an alias of Invoke-WebRequest, which neither streams nor takes
     * curl's options. The next code block, before any heading, is a {@code ```powershell} block, or
     * the block itself shows the {@code curl.exe} line.
     */
    private void checkPowerShellBesideCurl(Path markdown, List<String> lines) {
        for (int i = 0; i < lines.size(); i++) {
            Matcher fence = FENCE.matcher(lines.get(i));
            if (!fence.matches()) {
                continue;
            }
            int close = closingFence(lines, i, fence.group(1));
            int end = close < 0 ? lines.size() : close;
            List<String> block = lines.subList(i + 1, end);
            int curl = firstLineStartingWith(block, "curl ");
            if (POWERSHELL.equals(infoWord(lines.get(i)))) {
                if (curl >= 0) {
                    problem(markdown, i + 2 + curl, "in PowerShell, curl is Invoke-WebRequest: write curl.exe");
                }
            } else if (curl >= 0 && firstLineStartingWith(block, "curl.exe ") < 0
                    && !POWERSHELL.equals(nextBlockInfo(lines, end + 1))) {
                problem(markdown, i + 2 + curl, "curl without a PowerShell version: follow this code block with a"
                        + " ```powershell block (curl.exe for a stream, Invoke-RestMethod to post JSON)");
            }
            i = end;
        }
    }

    /** The index of the first line whose text starts with {@code prefix}, or -1. */
    private static int firstLineStartingWith(List<String> block, String prefix) {
        for (int j = 0; j < block.size(); j++) {
            if (block.get(j).strip().startsWith(prefix)) {
                return j;
            }
        }
        return -1;
    }

    /** The first word of a fence's info string, lower-cased ("" when there is none). */
    private static String infoWord(String fenceLine) {
        String info = fenceLine.strip().replaceFirst("^(`{3,}|~{3,})", "").strip();
        return info.isEmpty() ? "" : info.split("[\\s{]", 2)[0].toLowerCase(java.util.Locale.ROOT);
    }

    /** The info word of the next code block from line {@code from} on, or null if a heading or the end comes first. */
    private static String nextBlockInfo(List<String> lines, int from) {
        for (int j = from; j < lines.size(); j++) {
            if (FENCE.matcher(lines.get(j)).matches()) {
                return infoWord(lines.get(j));
            }
            if (headingAt(lines, j) != null) {
                return null;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------------------------------
    // TODO pointers in the Java sources
    // ---------------------------------------------------------------------------------------

    private void checkTodoPointers() throws IOException {
        for (String folder : List.of("lessons", "solutions", "support")) {
            for (Path java : javaFiles(root.resolve(folder))) {
                String source = Files.readString(java);
                for (StringLiteral literal : stringLiterals(source)) {
                    Matcher pointer = TODO_POINTER.matcher(literal.text());
                    while (pointer.find()) {
                        String target = pointer.group();
                        int line = literal.line() + (int) literal.text().substring(0, pointer.start()).chars()
                                .filter(c -> c == '\n').count();
                        todoPointerProblem(target).ifPresent(why -> problem(java, line, "TODO pointer " + target + ": " + why));
                    }
                }
            }
        }
    }

    private Optional<String> todoPointerProblem(String pointer) throws IOException {
        int hash = pointer.indexOf('#');
        Path doc = root.resolve(pointer.substring(0, hash));
        if (!Files.isRegularFile(doc)) {
            return Optional.of("no such file " + pointer.substring(0, hash));
        }
        return anchorProblem(doc, pointer.substring(hash + 1));
    }

    private static List<Path> javaFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".java"))
                    .filter(p -> !dir.relativize(p).toString().replace('\\', '/').matches("(.*/)?target/.*"))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    /** A string literal's contents as written in the source, and the line where they start. */
    record StringLiteral(String text, int line) {
    }

    /**
     * The string literals (and text blocks) of a Java source, skipping comments and char
     * literals, so a pointer mentioned in a comment or Javadoc is not taken for one.
     */
    static List<StringLiteral> stringLiterals(String source) {
        List<StringLiteral> literals = new ArrayList<>();
        int line = 1;
        int i = 0;
        int n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            if (c == '\n') {
                line++;
                i++;
            } else if (source.startsWith("//", i)) {
                while (i < n && source.charAt(i) != '\n') {
                    i++;
                }
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                line += count(source, i, end);
                i = end;
            } else if (source.startsWith("\"\"\"", i)) {
                int end = i + 3;
                while (end < n && !source.startsWith("\"\"\"", end)) {
                    end += source.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(end, n);
                literals.add(new StringLiteral(source.substring(i + 3, end), line));
                line += count(source, i, end);
                i = Math.min(end + 3, n);
            } else if (c == '"' || c == '\'') {
                int end = i + 1;
                while (end < n && source.charAt(end) != c && source.charAt(end) != '\n') {
                    end += source.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(end, n);
                if (c == '"') {
                    literals.add(new StringLiteral(source.substring(i + 1, end), line));
                }
                i = end < n && source.charAt(end) == c ? end + 1 : end; // an unclosed literal stops at its line's end
            } else {
                i++;
            }
        }
        return literals;
    }

    private static int count(String s, int from, int to) {
        int lines = 0;
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == '\n') {
                lines++;
            }
        }
        return lines;
    }

    // ---------------------------------------------------------------------------------------

    private static List<String> readLines(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        if (text.endsWith("\n")) {
            lines.remove(lines.size() - 1);
        }
        return lines;
    }

    private static String decode(String s) {
        return s.indexOf('%') < 0 ? s : URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
