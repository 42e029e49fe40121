package sse.tools;

import sse.tools.Tools.UsageException;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code capacity}: lesson 08's server against lesson 04's, measured in one run and printed as one table
 * with the lesson's targets beside (and, on a JDK 21 or newer, lesson 01's thread per stream on virtual
 * threads as a third column).
 *
 * <p>Each server runs in a JVM of its own, started here on a free loopback port, and so does the load
 * client ({@link CapacityClient}), which this class drives one command at a time. One server at a time,
 * so they never share the cores. For each it measures:
 * <ol>
 * <li>a burst: N streams opened at once, the time until every one has its 200 headers;
 * <li>the live heap per idle stream: {@code jcmd GC.class_histogram} before and after the burst, over N;
 * <li>fan-out: E movies posted one after another to the N streams, for each the time from sending the
 *     POST to the last stream receiving it (median and p99 over the E);
 * <li>held: more streams, up to H, and one movie that must reach every one of them;
 * <li>a reconnection storm: all H dropped at once (lesson 08's {@code POST /admin/drop}; lesson 04 is
 *     restarted), and the time until every client is back, each waiting its {@code retry:} as a browser does;
 * <li>a slow client: R readers and P posts, then the same with one more client that never reads: the
 *     slowest POST and the longest any reader waited, and whether the stalled client was cut off.
 * </ol>
 * The servers are killed by their PID at the end (not stopped: lesson 08 would save the benchmark's
 * movies as its history). Everything is bounded in time; the client also ends by itself.
 */
final class Capacity {

    static final int MAX_STREAMS = 19_500;
    /** How long a burst of streams may take to open, and a storm to come back: far above the targets, and bounded. */
    static final int OPEN_SECONDS = 30;
    static final int STORM_SECONDS = 30;
    /** Streams opened (50 at a time) and closed before measuring, so that the JIT has compiled the paths measured. */
    static final int WARM_UP_STREAMS = 5000;
    static final int MAX_POSTS = 100_000;
    static final int MAX_EVENTS = 1000;
    /** Open files a process needs besides its streams' sockets: a server's jars, the JVM's own files. */
    static final int FILES_BESIDES_STREAMS = 500;

    /** The servers, in the order they are measured. */
    enum Server {
        LESSON_04("04", "lesson 04", "solutions/04-client-registry", "sse.registry.RegistryApp", false, "/clients", "clients"),
        LESSON_08("08", "lesson 08", "solutions/08-production", "sse.production.ProductionApp", false, "/stats", "streams"),
        THREADS("threads", "thread per stream", "solutions/08-production",
                "sse.production.compare.ThreadPerStreamApp", true, "/clients", "clients");

        final String key;
        final String title;
        final String module;
        final String mainClass;
        final boolean needsVirtualThreads;
        /** Where the server says how many streams it has, and under which name. */
        final String countPath;
        final String countField;

        Server(String key, String title, String module, String mainClass, boolean needsVirtualThreads,
               String countPath, String countField) {
            this.key = key;
            this.title = title;
            this.module = module;
            this.mainClass = mainClass;
            this.needsVirtualThreads = needsVirtualThreads;
            this.countPath = countPath;
            this.countField = countField;
        }
    }

    /** What {@code capacity} was asked to do. */
    record Options(int burst, int held, int events, int readers, int posts, List<Server> servers, Path jdk) {

        static Options parse(List<String> args) {
            boolean quick = args.contains("--quick");
            int burst = quick ? 1000 : 10_000;
            int held = quick ? 2000 : 19_000;
            int events = quick ? 10 : 40;
            int readers = quick ? 20 : 100;
            int posts = quick ? 2000 : 20_000; // a stalled client fills up after about 15,500 (measured)
            List<Server> servers = List.of(Server.values());
            Path jdk = null;
            boolean heldGiven = false;
            for (int i = 0; i < args.size(); i++) {
                String option = args.get(i);
                if (option.equals("--quick")) {
                    continue;
                }
                if (i + 1 == args.size()) {
                    throw new UsageException("capacity: " + option + " needs a value");
                }
                String value = args.get(++i);
                switch (option) {
                    case "--streams" -> burst = number(option, value, MAX_STREAMS);
                    case "--held" -> {
                        held = number(option, value, MAX_STREAMS);
                        heldGiven = true;
                    }
                    case "--events" -> events = number(option, value, MAX_EVENTS);
                    case "--readers" -> readers = number(option, value, MAX_STREAMS);
                    case "--posts" -> posts = number(option, value, MAX_POSTS);
                    case "--only" -> servers = servers(value);
                    case "--jdk" -> jdk = Path.of(value);
                    default -> throw new UsageException("capacity: unknown option " + option
                            + " (known: --streams, --held, --events, --readers, --posts, --only, --jdk, --quick)");
                }
            }
            if (!heldGiven) {
                held = Math.max(held, burst);
            }
            if (held < burst) {
                throw new UsageException("capacity: --held (" + held + ") must be at least --streams (" + burst + ")");
            }
            return new Options(burst, held, events, readers, posts, servers, jdk);
        }

        private static List<Server> servers(String value) {
            List<Server> servers = new ArrayList<>();
            for (Server server : Server.values()) {
                if (List.of(value.split(",")).contains(server.key)) {
                    servers.add(server);
                }
            }
            if (servers.isEmpty()) {
                throw new UsageException("capacity: --only takes 04, 08 and threads, separated by commas, not " + value);
            }
            return servers;
        }

        private static int number(String option, String value, int max) {
            try {
                int n = Integer.parseInt(value);
                if (n >= 1 && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // said below
            }
            throw new UsageException("capacity: " + option + " takes a whole number from 1 to " + max + ", not " + value);
        }
    }

    /** What was measured on one server; a missing part is an empty map. */
    static final class Result {
        final Server server;
        String skipped;              // why this server was not measured, or null
        String jdk = "";
        Map<String, String> burst = Map.of();
        long heapBefore = -1;
        long heapAfter = -1;
        long overflowsInBurst = -1;
        Map<String, String> fanOut = Map.of();
        Map<String, String> top = Map.of();
        Map<String, String> held = Map.of();
        Map<String, String> storm = Map.of();
        long restartMillis = -1;
        long overflowsInStorm = -1;
        Map<String, String> slowWithout = Map.of();
        Map<String, String> slowWith = Map.of();

        Result(Server server) {
            this.server = server;
        }

        /** Live heap per idle stream in bytes, or -1. */
        long heapPerStream() {
            long connected = number(burst, "connected");
            return heapBefore < 0 || heapAfter < 0 || connected <= 0 ? -1 : (heapAfter - heapBefore) / connected;
        }
    }

    private Capacity() {
    }

    /** Measures every server asked for and prints the table; returns the results (for tests). */
    static List<Result> run(Options options, PrintStream out) {
        Path root = Tools.findRoot();
        requireOpenFiles(options.held());
        started = System.nanoTime();
        Path logs = root.resolve("tools").resolve("target").resolve("capacity");
        out.printf(Locale.ROOT, "Capacity: lesson 04 and lesson 08, one at a time, each in its own JVM; load client in another."
                + "%nLoad average on this machine now: %.2f on %d cores (anything else running skews the numbers).%n",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                Runtime.getRuntime().availableProcessors());
        List<String> modules = options.servers().stream().map(s -> s.module).distinct().toList();
        out.println("Compiling " + String.join(" and ", modules) + " and reading their classpath (Maven wrapper) ...");
        Map<String, String> classpaths = ChildJvm.classpaths(root, modules, logs.resolve("maven.log"));
        List<Result> results = new ArrayList<>();
        for (Server server : options.servers()) {
            Result result = new Result(server);
            results.add(result);
            Optional<Path> jdk = server.needsVirtualThreads ? ChildJvm.jdk21(options.jdk())
                    : Optional.of(Path.of(System.getProperty("java.home")));
            if (jdk.isEmpty()) {
                result.skipped = "needs JDK 21+ (none found; --jdk DIR names one)";
                out.println("== " + server.title + ": skipped, it " + result.skipped);
                continue;
            }
            result.jdk = "JDK " + ChildJvm.feature(jdk.get());
            out.println("== " + server.title + " (" + server.mainClass + ", " + result.jdk + ")");
            measure(result, options, jdk.get(), classpaths.get(server.module), root, logs, out);
        }
        out.println();
        printTable(results, options, out);
        out.println();
        out.println("Logs of the servers and the client: " + Tools.display(root, logs) + "/");
        return results;
    }

    /** Needs about one open file per stream in the client and in the server, and the JVMs' own. */
    static void requireOpenFiles(int held) {
        long limit = CapacityClient.maxOpenFiles();
        long needed = (long) held + FILES_BESIDES_STREAMS;
        if (limit >= 0 && limit < needed) {
            throw new UsageException("capacity: holding " + held + " streams needs about " + needed
                    + " open files in each process (the client's sockets, the server's, and their jars);"
                    + " this shell allows " + limit + " per process (ulimit -n). Raise it (ulimit -n " + needed
                    + ", if the hard limit allows) or ask for fewer with --held " + Math.max(1, limit - FILES_BESIDES_STREAMS));
        }
    }

    private static void measure(Result r, Options options, Path jdk, String classpath, Path root, Path logs, PrintStream out) {
        int port = ChildJvm.freePort();
        URI origin = URI.create("http://127.0.0.1:" + port);
        ChildJvm server = startServer(r.server, jdk, classpath, port, root, logs);
        ChildJvm client = null;
        try {
            client = ChildJvm.start("load client", Path.of(System.getProperty("java.home")),
                    // Its HttpClient drops an idle connection before Jetty's 30 s idle timeout closes it under a POST.
                    List.of("-Xmx1g", "-XX:+UseParallelGC", "-Djdk.httpclient.keepalive.timeout=10"),
                    ChildJvm.ownClasses(), CapacityClient.class.getName(),
                    List.of("--port", String.valueOf(port), "--max-seconds", "900"), root,
                    logs.resolve("client-" + r.server.key + ".log"), true);
            Map<String, String> ready = client.answer(Duration.ofSeconds(30));
            long clientFiles = number(ready, "maxFiles");
            if (clientFiles >= 0 && clientFiles < options.held() + FILES_BESIDES_STREAMS) {
                throw new UsageException("capacity: the load client may open only " + clientFiles + " files; "
                        + (options.held() + FILES_BESIDES_STREAMS) + " are needed (ulimit -n)");
            }

            // Warm up: the same work at a small scale, so the first measured steps are not the JIT's.
            step(out, "warming up");
            client.ask("warm " + Math.min(WARM_UP_STREAMS, options.burst()), Duration.ofSeconds(300));
            cleanUp(client);

            awaitNoStreams(r.server, origin); // the warm-up's streams must not count in the baseline
            r.heapBefore = ChildJvm.liveHeap(jdk, server.pid(), logs.resolve("jcmd.log"));
            long overflows = ChildJvm.listenOverflows();
            step(out, "burst: " + options.burst() + " streams at once");
            r.burst = client.ask("open " + options.burst() + " " + OPEN_SECONDS, Duration.ofSeconds(OPEN_SECONDS + 30));
            r.overflowsInBurst = difference(overflows, ChildJvm.listenOverflows());
            r.heapAfter = ChildJvm.liveHeap(jdk, server.pid(), logs.resolve("jcmd.log"));

            step(out, "fan-out: " + options.events() + " movies");
            r.fanOut = client.ask("fanout " + options.events() + " 100", Duration.ofSeconds(30 + 11L * options.events()));

            if (options.held() > options.burst()) {
                step(out, "held: " + (options.held() - options.burst()) + " more streams");
                r.top = client.ask("open " + (options.held() - options.burst()) + " " + OPEN_SECONDS,
                        Duration.ofSeconds(OPEN_SECONDS + 30));
            }
            r.held = client.ask("fanout 1 0", Duration.ofSeconds(60));
            if (r.server == Server.THREADS) {
                step(out, "done (the storm and the slow client are lesson 08's rows)");
                client.send("quit");
                return;
            }

            step(out, "storm: every stream dropped at once");
            client.ask("arm", Duration.ofSeconds(30));
            overflows = ChildJvm.listenOverflows();
            if (r.server == Server.LESSON_08) {
                post(origin.resolve("/admin/drop"));
            } else {
                // Lesson 04 has no way to drop its streams: restart it, as a deploy would.
                long stopped = System.nanoTime();
                server.kill();
                server = startServer(r.server, jdk, classpath, port, root, logs);
                r.restartMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped);
            }
            r.storm = client.ask("awaitback " + STORM_SECONDS, Duration.ofSeconds(STORM_SECONDS + 30));
            r.overflowsInStorm = difference(overflows, ChildJvm.listenOverflows());
            cleanUp(client);

            step(out, "slow client: " + options.readers() + " readers, " + options.posts() + " posts, without and with one stalled reader");
            client.ask("open " + options.readers(), Duration.ofSeconds(120));
            client.ask("posts " + Math.min(options.posts(), 500), Duration.ofSeconds(300)); // warm up
            Duration postsTimeout = Duration.ofSeconds(180 + options.posts() / 100);
            r.slowWithout = client.ask("posts " + options.posts(), postsTimeout);
            client.ask("open 1 stalled", Duration.ofSeconds(30));
            r.slowWith = client.ask("posts " + options.posts(), postsTimeout);
            step(out, "done");
            client.send("quit");
        } finally {
            if (client != null) {
                client.kill();
            }
            server.kill();
        }
    }

    private static ChildJvm startServer(Server server, Path jdk, String classpath, int port, Path root, Path logs) {
        ChildJvm jvm = ChildJvm.start(server.title, jdk,
                List.of("-Xmx2g", "-XX:+UseG1GC", "-Dport=" + port, "-Dtls.port=-1"),
                classpath, server.mainClass, List.of(), root, logs.resolve("server-" + server.key + ".log"), false);
        jvm.awaitHttp(URI.create("http://127.0.0.1:" + port + "/"));
        return jvm;
    }

    /** Closes every stream, then posts three movies: a server that keeps clients until a write fails forgets them. */
    private static void cleanUp(ChildJvm client) {
        client.ask("closeall", Duration.ofSeconds(60));
        CapacityClient.sleepMillis(300);
        client.ask("posts 3", Duration.ofSeconds(60));
    }

    /**
     * Waits (at most 10 s, posting now and then: a server learns that a client has gone when a write to it
     * fails) until the server says it has no stream left.
     */
    private static void awaitNoStreams(Server server, URI origin) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        URI count = origin.resolve(server.countPath);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(count).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (number(FlatJson.parse(answer.body()), server.countField) == 0) {
                    return;
                }
                http.send(HttpRequest.newBuilder(origin.resolve("/movies")).timeout(Duration.ofSeconds(5))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"Anyone there?\",\"year\":2000}")).build(),
                        HttpResponse.BodyHandlers.discarding());
            } catch (IOException e) {
                // asked again below
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            CapacityClient.sleepMillis(200);
        }
    }

    private static void post(URI url) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("POST " + url + " answered " + response.statusCode() + ": " + response.body());
            }
        } catch (IOException e) {
            throw new IllegalStateException("POST " + url + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    private static long started = System.nanoTime();

    private static void step(PrintStream out, String what) {
        out.printf(Locale.ROOT, "  %5.1f s  %s ...%n", (System.nanoTime() - started) / 1e9, what);
    }

    private static long difference(long before, long after) {
        return before < 0 || after < 0 ? -1 : after - before;
    }

    static long number(Map<String, String> map, String key) {
        String value = map.get(key);
        try {
            return value == null ? -1 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    // ---------------------------------------------------------------- the table

    /** One row: what it measures, a value per server, the target, and whether lesson 08 meets it. */
    private record Row(String label, List<String> values, String target, String verdict) {
    }

    static void printTable(List<Result> results, Options o, PrintStream out) {
        Result r04 = results.stream().filter(r -> r.server == Server.LESSON_04 && r.skipped == null).findFirst().orElse(null);
        Result r08 = results.stream().filter(r -> r.server == Server.LESSON_08 && r.skipped == null).findFirst().orElse(null);
        List<Row> rows = new ArrayList<>();

        rows.add(row(results, "Burst: " + o.burst() + " streams opened at once, all connected in", Capacity::burst,
                "<= 2 s, 0 failed", r08 == null ? null
                        : number(r08.burst, "allMs") >= 0 && number(r08.burst, "allMs") <= 2000 && number(r08.burst, "failed") == 0));
        rows.add(row(results, "  accept queue (listen backlog); SYNs it dropped", r -> acceptQueue(r.server)
                + "; " + count(r.overflowsInBurst), "", null));
        rows.add(row(results, "Held: " + o.held() + " streams, one movie reached", Capacity::held,
                "all " + o.held(), r08 == null ? null : allHeld(r08, o)));
        long median04 = r04 == null ? -1 : number(r04.fanOut, "medianMs");
        rows.add(row(results, "Fan-out: " + o.events() + " movies to " + o.burst() + " streams, last client, median",
                r -> millis(number(r.fanOut, "medianMs")) + (number(r.fanOut, "streams") == o.burst() ? ""
                        : " (to " + number(r.fanOut, "streams") + " streams)"),
                median04 < 0 ? "<= 0.8 x lesson 04" : "<= 0.8 x lesson 04 = " + millis(median04 * 8 / 10),
                r08 == null || median04 < 0 ? null
                        : number(r08.fanOut, "medianMs") >= 0 && number(r08.fanOut, "medianMs") * 10 <= median04 * 8));
        rows.add(row(results, "  last client, p99 (x median)", Capacity::p99, "<= 2 x median",
                r08 == null ? null : number(r08.fanOut, "p99Ms") >= 0 && number(r08.fanOut, "p99Ms") <= 2 * Math.max(1, number(r08.fanOut, "medianMs"))));
        rows.add(row(results, "Live heap per idle stream", r -> kilobytes(r.heapPerStream()), "<= 6 KB",
                r08 == null ? null : r08.heapPerStream() >= 0 && r08.heapPerStream() <= 6 * 1024));
        rows.add(row(results, "Slow client: " + o.readers() + " readers, " + o.posts() + " posts: slowest POST / reader wait",
                r -> slowest(r.slowWithout), "", null));
        rows.add(row(results, "  + 1 client that never reads: slowest POST / reader wait", r -> slowest(r.slowWith)
                        + added(r), "<= +50 ms", r08 == null ? null : slowMet(r08)));
        rows.add(row(results, "  the stalled client cut off", Capacity::cutOff, "yes, at its queue limit",
                r08 == null ? null : number(r08.slowWith, "stalledCutOff") == 1));
        rows.add(row(results, "Storm: all " + o.held() + " dropped at once, all back in", Capacity::storm,
                "every client back", r08 == null ? null : number(r08.storm, "back") == number(r08.storm, "armed")
                        && number(r08.storm, "armed") > 0));
        rows.add(row(results, "  retry: the clients waited; SYNs dropped", Capacity::stormDetail, "with jitter", null));

        List<String> header = new ArrayList<>(List.of("capacity"));
        for (Result r : results) {
            header.add(r.server.title + (r.jdk.isEmpty() ? "" : " (" + r.jdk + ")"));
        }
        header.add("target (lesson 08)");
        header.add("08 meets it");
        List<List<String>> table = new ArrayList<>();
        table.add(header);
        for (Row row : rows) {
            List<String> cells = new ArrayList<>();
            cells.add(row.label());
            cells.addAll(row.values());
            cells.add(row.target());
            cells.add(row.verdict());
            table.add(cells);
        }
        int[] widths = new int[header.size()];
        for (List<String> cells : table) {
            for (int i = 0; i < cells.size(); i++) {
                widths[i] = Math.max(widths[i], cells.get(i).length());
            }
        }
        for (int line = 0; line < table.size(); line++) {
            StringBuilder text = new StringBuilder();
            List<String> cells = table.get(line);
            for (int i = 0; i < cells.size(); i++) {
                text.append(String.format(Locale.ROOT, "%-" + widths[i] + "s", cells.get(i)));
                if (i + 1 < cells.size()) {
                    text.append(" | ");
                }
            }
            out.println(text.toString().stripTrailing());
            if (line == 0) {
                StringBuilder rule = new StringBuilder();
                for (int i = 0; i < widths.length; i++) {
                    rule.append("-".repeat(widths[i])).append(i + 1 < widths.length ? "-+-" : "");
                }
                out.println(rule);
            }
        }
        for (Result r : results) {
            if (r.skipped != null) {
                out.println(r.server.title + ": " + r.skipped);
            }
        }
    }

    private interface Cell {
        String of(Result r);
    }

    private static Row row(List<Result> results, String label, Cell cell, String target, Boolean met) {
        List<String> values = new ArrayList<>();
        for (Result r : results) {
            values.add(r.skipped != null ? "n/a" : cell.of(r));
        }
        return new Row(label, values, target, met == null ? "" : met ? "yes" : "NO");
    }

    private static String burst(Result r) {
        long all = number(r.burst, "allMs");
        long failed = number(r.burst, "failed");
        return (all >= 0 ? millis(all) : number(r.burst, "connected") + " of " + number(r.burst, "asked") + " in " + OPEN_SECONDS + " s")
                + ", " + failed + " failed";
    }

    private static String acceptQueue(Server server) {
        return server == Server.LESSON_04 ? "50 (Jetty's default)" : "4096";
    }

    private static boolean allHeld(Result r, Options o) {
        return number(r.held, "streams") == o.held() && number(r.held, "reachedAll") == 1;
    }

    private static String held(Result r) {
        long streams = number(r.held, "streams");
        String reached = number(r.held, "reachedAll") == 1 ? "all " + streams : "not all " + streams;
        return reached + " in " + millis(number(r.held, "maxMs"))
                + (r.top.isEmpty() || number(r.top, "failed") <= 0 ? "" : " (" + number(r.top, "failed") + " failed to open)");
    }

    private static String p99(Result r) {
        long median = number(r.fanOut, "medianMs");
        long p99 = number(r.fanOut, "p99Ms");
        return millis(p99) + (median > 0 && p99 >= 0 ? String.format(Locale.ROOT, " (%.1f x)", (double) p99 / median) : "");
    }

    private static String slowest(Map<String, String> run) {
        if (run.isEmpty()) {
            return "n/a (not measured)";
        }
        long lost = number(run, "readersLost");
        long delivered = number(run, "delivered");
        long expected = number(run, "expected");
        return grouped(number(run, "postMaxMs")) + " / " + grouped(number(run, "delayMaxMs")) + " ms"
                + (lost > 0 ? ", " + lost + " readers lost" : "")
                + (delivered < expected ? ", " + percent(delivered, expected) + " delivered" : "");
    }

    private static String percent(long part, long whole) {
        return String.format(Locale.ROOT, "%.1f%%", 100.0 * part / Math.max(1, whole));
    }

    private static String added(Result r) {
        if (r.slowWith.isEmpty() || r.slowWithout.isEmpty()) {
            return "";
        }
        long post = number(r.slowWith, "postMaxMs") - number(r.slowWithout, "postMaxMs");
        long wait = number(r.slowWith, "delayMaxMs") - number(r.slowWithout, "delayMaxMs");
        return " (" + signed(post) + " / " + signed(wait) + ")";
    }

    private static Boolean slowMet(Result r) {
        if (r.slowWith.isEmpty() || r.slowWithout.isEmpty()) {
            return false;
        }
        return number(r.slowWith, "postMaxMs") - number(r.slowWithout, "postMaxMs") <= 50
                && number(r.slowWith, "delayMaxMs") - number(r.slowWithout, "delayMaxMs") <= 50;
    }

    private static String cutOff(Result r) {
        if (r.slowWith.isEmpty()) {
            return "n/a (not measured)";
        }
        long movies = number(r.slowWith, "stalledMovies");
        return number(r.slowWith, "stalledCutOff") == 1
                ? "yes, after it had " + grouped(movies) + " movies" + (number(r.slowWith, "stalledOpen") == 1 ? " (socket left open)" : "")
                : "no (" + grouped(movies) + " movies buffered for it)";
    }

    private static String storm(Result r) {
        if (r.storm.isEmpty()) {
            return "n/a (not measured)";
        }
        long all = number(r.storm, "allBackMs");
        String back = all >= 0 ? seconds(all) : number(r.storm, "back") + " of " + number(r.storm, "armed") + " in " + STORM_SECONDS + " s";
        return back + (r.restartMillis >= 0 ? " (restarted: " + seconds(r.restartMillis) + ")" : " (POST /admin/drop)");
    }

    private static String stormDetail(Result r) {
        if (r.storm.isEmpty()) {
            return "n/a";
        }
        long min = number(r.storm, "retryMinMs");
        long max = number(r.storm, "retryMaxMs");
        String retry = min == CapacityClient.DEFAULT_RETRY_MS && max == min ? "none sent: 3 s each"
                : seconds(min) + " to " + seconds(max);
        return retry + "; " + count(r.overflowsInStorm);
    }

    private static String count(long value) {
        return value < 0 ? "n/a" : grouped(value);
    }

    private static String millis(long value) {
        return value < 0 ? "n/a" : grouped(value) + " ms";
    }

    private static String seconds(long millis) {
        return millis < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    private static String signed(long millis) {
        return (millis >= 0 ? "+" : "") + grouped(millis);
    }

    private static String kilobytes(long bytes) {
        return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f KB", bytes / 1024.0);
    }

    private static String grouped(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }
}
