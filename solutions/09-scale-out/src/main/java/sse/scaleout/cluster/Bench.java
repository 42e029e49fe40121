package sse.scaleout.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Lesson 09 measured: what the Redis broker costs against the in-memory one, how many movies a second the
 * broker path carries to every client, and how long the clients of a killed instance take to come back.
 *
 * <pre>
 * ./mvnw -q -pl solutions/09-scale-out -am compile exec:java -Dlesson.main=sse.scaleout.cluster.Bench -Dexec.args="--clients 1000"
 * </pre>
 *
 * It starts the servers itself, as real processes on free ports of 127.0.0.1 (the cluster command's own
 * code), and the load in a process of its own ({@link BenchClient}); each run is bounded, and everything
 * is stopped at the end. In turn:
 * <ol>
 *   <li>one instance with the in-memory broker, the clients on it: fan-out and sustained rate;</li>
 *   <li>Redis and three instances, the clients spread evenly over them, straight to each instance (so
 *       the numbers are the broker path's, without nginx): fan-out and sustained rate;</li>
 *   <li>the same cluster through nginx: fan-out with the proxy's hop, then one instance killed
 *       ({@code kill -9}) while a poster posts, and the time until its clients are all back.</li>
 * </ol>
 * Then it prints the table.
 */
public final class Bench {

    static final String EVENTS = "/events?topics=movies";

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        int clients = 1000;
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (args[i].equals("--clients")) {
                clients = Integer.parseInt(args[i + 1]);
            } else {
                System.err.println("usage: -Dexec.args=\"--clients N\"  (N from 1 to " + BenchClient.MAX_CLIENTS + ")");
                System.exit(2);
            }
        }
        if (clients < 1 || clients > BenchClient.MAX_CLIENTS) {
            System.err.println("--clients from 1 to " + BenchClient.MAX_CLIENTS);
            System.exit(2);
        }
        PrintStream out = System.out;
        double loadBefore = loadAverage();
        Path dir = Files.createTempDirectory("sse-bench-");
        Map<String, Map<String, String>> results = new LinkedHashMap<>();
        try {
            out.println("1/3  the in-memory broker, one instance, " + clients + " clients");
            Cluster.Plan memory = new Cluster.Plan(0, List.of(0), 0, dir.resolve("memory"), false, false, null);
            try (Cluster single = Cluster.start(memory)) {
                URI events = single.instance("a").uri(EVENTS);
                URI movies = single.instance("a").uri("/movies");
                results.put("memory", load(single, List.of(events), List.of(movies), clients, "fanout,rate", out));
            }
            out.println("2/3  Redis and three instances, " + clients + " clients spread over them");
            try (Cluster cluster = Cluster.start(Cluster.Plan.onFreePorts(3, dir.resolve("cluster")))) {
                List<URI> events = cluster.instances().stream().map(instance -> instance.uri(EVENTS)).toList();
                List<URI> movies = cluster.instances().stream().map(instance -> instance.uri("/movies")).toList();
                results.put("redis", load(cluster, events, movies, clients, "fanout,rate", out));
                out.println("3/3  the same cluster through nginx; then kill -9 of one instance");
                results.put("nginx", load(cluster, List.of(cluster.uri(EVENTS)), List.of(cluster.uri("/movies")),
                        clients, "fanout,failover", out));
            }
        } finally {
            deleteRecursively(dir);
        }
        out.println();
        out.print(table(results, clients, loadBefore));
        System.exit(0); // exec:java would wait for the HTTP client's threads
    }

    /**
     * Runs a {@link BenchClient} process against the cluster and returns its results, one map per
     * {@code result <name> key=value ...} line, flattened as {@code name.key}. Answers its {@code kill}.
     */
    private static Map<String, String> load(Cluster cluster, List<URI> events, List<URI> movies, int clients,
                                            String measure, PrintStream out) throws IOException, InterruptedException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", Cluster.classpath(), BenchClient.class.getName(),
                "--streams", events.stream().map(URI::toString).collect(Collectors.joining(",")),
                "--post", movies.stream().map(URI::toString).collect(Collectors.joining(",")),
                "--clients", String.valueOf(clients), "--measure", measure);
        Process client = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<String, String> results = new LinkedHashMap<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
             Writer answers = new java.io.OutputStreamWriter(client.getOutputStream(), StandardCharsets.UTF_8)) {
            for (String line; (line = lines.readLine()) != null && !line.equals("done"); ) {
                out.println("     " + line);
                if (line.startsWith("kill ")) {
                    cluster.kill(line.substring(5).strip()); // the client asked: it times from this moment
                    answers.write("killed\n");
                    answers.flush();
                } else if (line.startsWith("result ")) {
                    String[] words = line.split(" ");
                    for (int i = 2; i < words.length; i++) {
                        String[] pair = words[i].split("=", 2);
                        results.put(words[1] + "." + pair[0], pair.length > 1 ? pair[1] : "");
                    }
                }
            }
        } finally {
            if (!client.waitFor(10, TimeUnit.SECONDS)) {
                client.destroyForcibly();
            }
        }
        if (client.exitValue() != 0) {
            throw new IllegalStateException("the load client failed (exit " + client.exitValue() + "): see its messages above");
        }
        return results;
    }

    /** The table, in Markdown, as docs/09-scale-out.md shows it. */
    static String table(Map<String, Map<String, String>> results, int clients, double loadBefore) {
        Map<String, String> memory = results.getOrDefault("memory", Map.of());
        Map<String, String> redis = results.getOrDefault("redis", Map.of());
        Map<String, String> nginx = results.getOrDefault("nginx", Map.of());
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"", "in-memory broker, 1 instance", "Redis, 3 instances (clients direct)", "Redis, 3 instances, through nginx"});
        rows.add(new String[]{"fan-out to " + clients + " clients, median (post to last client)",
                ms(memory, "fanout.median_ms"), ms(redis, "fanout.median_ms"), ms(nginx, "fanout.median_ms")});
        rows.add(new String[]{"fan-out, p99 (of 40 movies)", ms(memory, "fanout.p99_ms"), ms(redis, "fanout.p99_ms"), ms(nginx, "fanout.p99_ms")});
        rows.add(new String[]{"movies/s with every client receiving each within 1 s", rate(memory), rate(redis), "not measured"});
        rows.add(new String[]{"all clients back after kill -9 of one instance", "(one instance: nothing to fail over to)",
                "not measured", failover(nginx)});
        StringBuilder text = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            text.append("| ").append(String.join(" | ", rows.get(r))).append(" |\n");
            if (r == 0) {
                text.append("|---|---|---|---|\n");
            }
        }
        text.append("\n").append(Runtime.getRuntime().availableProcessors()).append(" cores, Java ")
                .append(System.getProperty("java.version")).append("; the clients, the instances, Redis and nginx share them")
                .append(String.format(java.util.Locale.ROOT, "; load average %.1f before the run (other programs"
                        + " skew the numbers), %.1f at its end.%n", loadBefore, loadAverage()));
        return text.toString();
    }

    private static String ms(Map<String, String> results, String key) {
        String value = results.get(key);
        if (value == null) {
            return "-";
        }
        String incomplete = results.getOrDefault("fanout.incomplete", "0");
        return value + " ms" + (incomplete.equals("0") ? "" : " (" + incomplete + " movies missed a client)");
    }

    private static String rate(Map<String, String> results) {
        String best = results.get("rate.best");
        if (best == null) {
            return "-";
        }
        String failed = results.getOrDefault("rate.failed_at", "none");
        return best + (failed.equals("none") ? " (the highest rate tried)"
                : " (at " + failed + ": " + results.getOrDefault("rate.why", "?").replace('_', ' ') + ")");
    }

    private static String failover(Map<String, String> results) {
        String all = results.get("failover.all_back_ms");
        if (all == null) {
            return "-";
        }
        return String.format(java.util.Locale.ROOT, "%.1f s for all %s of its clients (median %.1f s); gaps %s, twice %s",
                Long.parseLong(all) / 1000.0, results.get("failover.moved"),
                Long.parseLong(results.get("failover.median_ms")) / 1000.0,
                results.get("failover.gaps"), results.get("failover.twice"));
    }

    /** The system's load average over the last minute (-1 where the system does not say, as on Windows). */
    private static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // a leftover temporary folder is not worth failing the benchmark for
        }
    }
}
