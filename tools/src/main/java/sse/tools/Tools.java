package sse.tools;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The workshop's command-line tools, run from the repository root with
 * <pre>
 * ./mvnw -q -pl tools compile exec:java -Dexec.args="COMMAND ..."
 * </pre>
 * This class only reads the command and hands it to {@link Starters}, {@link DocsCheck},
 * {@link StreamLoad} or {@link Capacity}. Exit codes: 0 all good, 1 a problem was found (or an error happened),
 * 2 the command was not understood or was refused.
 */
public final class Tools {

    static final String RUN = "./mvnw -q -pl tools compile exec:java -Dexec.args=";

    static final String USAGE = String.join("\n",
            "Usage: " + RUN + "\"COMMAND ...\"   (from the repository root)",
            "",
            "Commands:",
            "  starters --check   (maintainers) check that lessons/ and carried/ are what solutions/ generate",
            "  starters --write [--force]",
            "                     (maintainers) generate lessons/ and carried/ from solutions/; refuses to replace",
            "                     a file edited since it was generated unless --force, which backs it up first",
            "  reset NN           put lesson NN's starter back as it was; your version is kept in .backups/",
            "  steps --check [NN ...] [--show] [--alone]",
            "                     (maintainers) apply each lesson's TODOs one by one in a copy of the repository;",
            "                     after each, the check must name the next TODO; with --alone, then each TODO",
            "                     alone, where -Dtodo=N must pass or name the earlier TODO its tests need",
            "  learner-edits --check",
            "                     (maintainers) in a copy, edit three starters as a learner would; ./mvnw test must",
            "                     pass, the checks must say where each stands, and no edit may be overwritten",
            "  docs --check       check the docs: code snippets match the code, links and TODO pointers resolve",
            "  load --url URL [--clients N] [--seconds T] [--probe URL]",
            "                     hold N event streams open on a server on this machine for T seconds",
            "                     (defaults: N=" + StreamLoad.DEFAULT_CLIENTS + ", T=" + StreamLoad.DEFAULT_SECONDS
                    + ", probe = the URL's origin + /; at most N=" + StreamLoad.MAX_CLIENTS
                    + ", T=" + StreamLoad.MAX_SECONDS + ")",
            "  churn --url URL [--clients N] [--rounds R] [--stats URL] [--hold-ms MS] [--pause-ms MS]",
            "                     open N streams, drop them abruptly, print the server's stats; R rounds",
            "                     (defaults: N=100, R=10, stats = the URL's origin + /stats)",
            "  capacity [--quick] [--streams N] [--held H] [--events E] [--readers R] [--posts P] [--only 04,08,threads] [--jdk DIR]",
            "                     benchmark lesson 08's server against lesson 04's (and a thread per stream on virtual",
            "                     threads, with a JDK 21+) in child processes; prints one table with the targets",
            "                     (defaults: N=10000, H=19000, E=40, R=100, P=20000; --quick: a tenth)",
            "  --help             show this text",
            "",
            "Example: " + RUN + "\"load --url http://localhost:7070/events --clients 2000\"");

    private Tools() {
    }

    public static void main(String[] args) {
        // The only System.exit: everything else returns an exit code, so tests can call it.
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; returns the exit code. Problems are printed, never thrown. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            return dispatch(Arrays.asList(args), out, err);
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            return 2;
        } catch (UncheckedIOException e) {
            err.println("error: " + oneLine(e.getCause()));
            return 1;
        } catch (IOException | RuntimeException e) {
            err.println("error: " + oneLine(e));
            return 1;
        }
    }

    private static int dispatch(List<String> args, PrintStream out, PrintStream err) throws IOException {
        if (args.isEmpty()) {
            err.println(USAGE);
            return 2;
        }
        if (args.contains("--help") || args.contains("-h")) {
            out.println(USAGE); // asked for: not an error
            return 0;
        }
        String command = args.get(0);
        List<String> options = args.subList(1, args.size());
        switch (command) {
            case "starters":
                if (options.equals(List.of("--check"))) {
                    return Starters.check(findRoot(), out);
                }
                if (options.equals(List.of("--write")) || options.equals(List.of("--write", "--force"))) {
                    return Starters.write(findRoot(), options.contains("--force"), out);
                }
                return unknown("starters needs --check, --write or --write --force", err);
            case "reset":
                if (options.size() != 1) {
                    return unknown("reset needs one lesson number, e.g. reset 04", err);
                }
                return Starters.reset(findRoot(), options.get(0), out);
            case "steps":
                if (options.isEmpty() || !options.get(0).equals("--check")) {
                    return unknown("steps needs --check", err);
                }
                try {
                    List<String> rest = options.subList(1, options.size());
                    return TodoSteps.check(findRoot(), rest.stream().filter(o -> !o.equals("--show") && !o.equals("--alone")).toList(),
                            rest.contains("--show"), rest.contains("--alone"), out);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return 1;
                }
            case "learner-edits":
                if (!options.equals(List.of("--check"))) {
                    return unknown("learner-edits needs --check", err);
                }
                try {
                    return LearnerEdits.check(findRoot(), out);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return 1;
                }
            case "docs":
                if (options.equals(List.of("--check"))) {
                    return DocsCheck.run(findRoot(), out);
                }
                return unknown("docs needs --check", err);
            case "load":
                StreamLoad.Summary summary = StreamLoad.run(StreamLoad.Options.parse(options), out);
                return summary.withHeaders() > 0 ? 0 : 1; // not one stream opened: say so to scripts too
            case "churn":
                StreamChurn.run(StreamChurn.Options.parse(options), out);
                return 0;
            case "capacity":
                Capacity.run(Capacity.Options.parse(options), out);
                return 0;
            default:
                return unknown("unknown command '" + command + "'", err);
        }
    }

    private static int unknown(String message, PrintStream err) {
        err.println("error: " + message);
        err.println(USAGE);
        return 2;
    }

    /**
     * The repository root: the nearest folder, from the working directory up, that has
     * {@code pom.xml}, {@code lessons/} and {@code solutions/}.
     */
    static Path findRoot() {
        return findRoot(Path.of("").toAbsolutePath());
    }

    static Path findRoot(Path start) {
        for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("pom.xml"))
                    && Files.isDirectory(dir.resolve("lessons"))
                    && Files.isDirectory(dir.resolve("solutions"))) {
                return dir;
            }
        }
        throw new UsageException("cannot find the repository root (a folder with pom.xml, lessons/ and solutions/)"
                + " above " + start.toAbsolutePath() + "; run from inside the repository");
    }

    /** A path relative to the root, with forward slashes on every platform, for messages. */
    static String display(Path root, Path path) {
        Path relative = path.isAbsolute() ? root.relativize(path) : path;
        return relative.toString().replace('\\', '/');
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof java.nio.file.NoSuchFileException) {
            message = "no such file: " + message;
        }
        return message.replaceAll("\\s*\\R\\s*", " ");
    }

    /** The command was not understood or is refused: exit code 2, one line of explanation. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message, null, false, false);
        }
    }
}
