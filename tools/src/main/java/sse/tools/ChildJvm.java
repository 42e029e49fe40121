package sse.tools;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A JVM that {@code capacity} starts: a lesson's server or the load client, each in a process of its
 * own, with its output in a log file. Every one started is ended by its PID, at the latest when this JVM
 * exits. Also what starting them needs: the lessons' classpath, a JDK 21 or newer, free loopback ports,
 * and the live heap of a running server (read with the JDK's {@code jcmd}, from outside).
 */
final class ChildJvm {

    /** Every child still running, ended by a shutdown hook if this JVM stops first (Ctrl-C). */
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly),
                "capacity-children"));
    }

    final String name;
    final Process process;
    final Path log;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final BufferedWriter input;

    private ChildJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        RUNNING.add(process);
        this.input = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException ended) {
                // the process has gone
            }
        }, name + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code java} of {@code jdk} with these JVM options, classpath and main class. Standard error
     * goes to {@code log}; standard output to {@code log} too, unless {@code readOutput}: then {@link #answer} reads it.
     */
    static ChildJvm start(String name, Path jdk, List<String> jvmOptions, String classpath, String mainClass,
                          List<String> args, Path workingDirectory, Path log, boolean readOutput) {
        List<String> command = new ArrayList<>();
        command.add(jdk.resolve("bin").resolve(isWindows() ? "java.exe" : "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(args);
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory.toFile())
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
            if (!readOutput) {
                builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            }
            return new ChildJvm(name, builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + " (" + command.get(0) + ")", e);
        }
    }

    long pid() {
        return process.pid();
    }

    /** Sends one line to the child's standard input. */
    void send(String line) {
        try {
            input.write(line);
            input.newLine();
            input.flush();
        } catch (IOException e) {
            throw new IllegalStateException(name + " has stopped (see " + log.getFileName() + ")", e);
        }
    }

    /** The next JSON line the child prints, within the timeout; fails if it dies or says nothing. */
    Map<String, String> answer(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                String line = lines.poll(Math.max(0, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200))), TimeUnit.NANOSECONDS);
                if (line != null && line.startsWith("{")) {
                    Map<String, String> answer = FlatJson.parse(line);
                    if (answer.containsKey("error")) {
                        throw new IllegalStateException(name + ": " + answer.get("error"));
                    }
                    return answer;
                }
                if (line == null && !process.isAlive() && lines.isEmpty()) {
                    throw new IllegalStateException(name + " exited with " + process.exitValue()
                            + " (see " + log + ")");
                }
                if (left <= 0) {
                    throw new IllegalStateException(name + " did not answer within " + timeout.toSeconds() + " s");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    /** Sends a command and returns its answer. */
    Map<String, String> ask(String command, Duration timeout) {
        send(command);
        return answer(timeout);
    }

    /** Ends the process by its PID, at once (a server is not asked to shut down: it would save its state). */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        RUNNING.remove(process);
    }

    /** Waits until {@code url} answers 200, as a started server does; fails if the process dies or 30 s pass. */
    void awaitHttp(URI url) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " (see " + log + ")");
            }
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(1)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
            CapacityClient.sleepMillis(50);
        }
        throw new IllegalStateException(name + " did not answer " + url + " within 30 s (see " + log + ")");
    }

    // ---------------------------------------------------------------- what starting them needs

    /** A port on the loopback address that is free now. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port", e);
        }
    }

    /**
     * Compiles the given modules (and what they depend on in this build) with the Maven wrapper, and
     * returns each one's runtime classpath: its classes, then what {@code dependency:build-classpath}
     * lists (sibling modules as their {@code target/classes}, libraries from the local repository).
     * A second Maven, not this JVM's class path: the tools module does not depend on the lessons.
     */
    static Map<String, String> classpaths(Path root, List<String> modules, Path log) {
        String outputFile = "target/capacity-classpath.txt";
        List<String> command = new ArrayList<>(isWindows()
                ? List.of("cmd.exe", "/c", root.resolve("mvnw.cmd").toString())
                : List.of("sh", root.resolve("mvnw").toString()));
        command.addAll(List.of("-q", "-B", "-pl", String.join(",", modules), "-am", "compile",
                "dependency:build-classpath", "-Dmdep.outputFile=" + outputFile, "-Dmdep.includeScope=runtime"));
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().put("JAVA_HOME", System.getProperty("java.home")); // the JDK running this
            Process maven = builder.start();
            RUNNING.add(maven);
            if (!maven.waitFor(300, TimeUnit.SECONDS)) {
                maven.destroyForcibly();
                throw new IllegalStateException("compiling the lessons took more than 300 s (see " + log + ")");
            }
            RUNNING.remove(maven);
            if (maven.exitValue() != 0) {
                throw new IllegalStateException("compiling the lessons failed (see " + log + "): "
                        + String.join(" ", command.subList(isWindows() ? 2 : 1, command.size())));
            }
            Map<String, String> classpaths = new LinkedHashMap<>();
            for (String module : modules) {
                Path dir = root.resolve(module);
                String libraries = Files.readString(dir.resolve(outputFile), StandardCharsets.UTF_8).trim();
                classpaths.put(module, dir.resolve("target").resolve("classes")
                        + (libraries.isEmpty() ? "" : java.io.File.pathSeparator + libraries));
            }
            return classpaths;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run the Maven wrapper in " + root, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    /** The classpath of this module's own classes (the load client needs nothing else). */
    static String ownClasses() {
        try {
            return Path.of(ChildJvm.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot tell where the tools' classes are", e);
        }
    }

    /**
     * A JDK of version 21 or newer, for virtual threads: {@code asked} if given, else the running one if it
     * is new enough, else the newest found in {@code $JAVA_HOME_25}, {@code $JAVA_HOME} or beside the
     * running JDK (JDKs are installed side by side: one folder of JDKs per machine).
     */
    static Optional<Path> jdk21(Path asked) {
        if (asked != null) {
            return Optional.of(asked).filter(home -> feature(home) >= 21);
        }
        Path running = Path.of(System.getProperty("java.home"));
        if (Runtime.version().feature() >= 21) {
            return Optional.of(running);
        }
        List<Path> candidates = new ArrayList<>();
        for (String variable : List.of("JAVA_HOME_25", "JAVA_HOME")) {
            String value = System.getenv(variable);
            if (value != null && !value.isBlank()) {
                candidates.add(Path.of(value));
            }
        }
        Path macHome = running.getFileName() != null && running.getFileName().toString().equals("Home")
                ? running.getParent().getParent() : running; // .../jdk-17.jdk/Contents/Home
        Path folder = macHome.getParent();
        if (folder != null && Files.isDirectory(folder)) {
            try (Stream<Path> siblings = Files.list(folder)) {
                siblings.forEach(sibling -> {
                    candidates.add(sibling);
                    candidates.add(sibling.resolve("Contents").resolve("Home"));
                });
            } catch (IOException unreadable) {
                // no siblings then
            }
        }
        return candidates.stream().filter(home -> feature(home) >= 21)
                .max(Comparator.comparingInt(ChildJvm::feature));
    }

    private static final Pattern JAVA_VERSION = Pattern.compile("^JAVA_VERSION=\"(\\d+)", Pattern.MULTILINE);

    /** The feature version of the JDK at {@code home} (its {@code release} file), or 0 if it is not a JDK with jcmd. */
    static int feature(Path home) {
        try {
            if (!Files.isRegularFile(home.resolve("bin").resolve(isWindows() ? "jcmd.exe" : "jcmd"))) {
                return 0;
            }
            Matcher version = JAVA_VERSION.matcher(Files.readString(home.resolve("release"), StandardCharsets.UTF_8));
            return version.find() ? Integer.parseInt(version.group(1)) : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static final Pattern TOTAL = Pattern.compile("^Total\\s+\\d+\\s+(\\d+)", Pattern.MULTILINE);

    /**
     * The live heap of a running JVM in bytes: {@code jcmd PID GC.class_histogram} collects the garbage
     * first and then counts what is left. -1 if the JDK has no jcmd or it fails.
     */
    static long liveHeap(Path jdk, long pid, Path log) {
        Path jcmd = jdk.resolve("bin").resolve(isWindows() ? "jcmd.exe" : "jcmd");
        if (!Files.isRegularFile(jcmd)) {
            return -1;
        }
        try {
            Process process = new ProcessBuilder(jcmd.toString(), String.valueOf(pid), "GC.class_histogram")
                    .redirectErrorStream(true).start();
            RUNNING.add(process);
            byte[] output = process.getInputStream().readAllBytes(); // ends when jcmd does
            boolean ended = process.waitFor(60, TimeUnit.SECONDS);
            RUNNING.remove(process);
            String text = new String(output, StandardCharsets.UTF_8);
            Matcher total = TOTAL.matcher(text);
            if (ended && total.find()) {
                return Long.parseLong(total.group(1));
            }
            Files.writeString(log, "jcmd " + pid + " GC.class_histogram said:\n" + text, StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            return -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * The kernel's count of connections dropped because a listening socket's accept queue was full
     * ({@code ListenOverflows} in Linux's {@code /proc/net/netstat}); -1 where there is no such file.
     * It counts for the whole machine: read it before and after, while only this benchmark runs.
     */
    static long listenOverflows() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/net/netstat"), StandardCharsets.US_ASCII);
            for (int i = 0; i + 1 < lines.size(); i++) {
                if (lines.get(i).startsWith("TcpExt:") && lines.get(i + 1).startsWith("TcpExt:")) {
                    List<String> names = List.of(lines.get(i).split("\\s+"));
                    String[] values = lines.get(i + 1).split("\\s+");
                    int at = names.indexOf("ListenOverflows");
                    return at < 0 ? -1 : Long.parseLong(values[at]);
                }
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static boolean isWindows() {
        return System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("windows");
    }
}
