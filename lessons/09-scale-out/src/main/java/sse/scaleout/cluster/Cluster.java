package sse.scaleout.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import sse.support.Lesson;
import sse.support.Nginx;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The whole of lesson 09 on one machine, with one command: Redis, three instances of the feed, each in
 * its own JVM, and nginx in front of them as the load balancer. It prints one URL, and stops everything
 * it started on Ctrl-C, or as soon as one of its programs dies without being asked to.
 *
 * <pre>
 * ./mvnw -q -pl lessons/09-scale-out -am compile exec:java -Dlesson.main=sse.scaleout.cluster.Cluster
 * </pre>
 *
 * {@code -Dport} (7070) is where nginx listens; the instances take the next ports (7071, 7072, 7073),
 * {@code -Dinstances} (3) says how many, {@code -Dredis.port} (port + 9: 7079) where Redis listens. Redis
 * keeps its files in {@code .data/cluster/}, so the movies outlive a restart. The tests and the benchmark
 * start the same cluster on free ports.
 */
public final class Cluster implements AutoCloseable {

    public static final int DEFAULT_INSTANCES = 3;
    /** The load balancer's config, from the repository's root: the tests run this very file. */
    public static final Path NGINX_CONFIG = Path.of("solutions", "09-scale-out", "nginx", "nginx.conf");
    static final String MAIN = "sse.scaleout.ScaleOutApp";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    /** An instance drains for at most 5 s (lesson 08's drainFor); then Jetty stops. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The lines an instance prints that the cluster says itself, once, for all of them. */
    private static final Pattern OWN_LINES = Pattern.compile("^(Lesson \\S+ (is running|stopped)|Other machines on your network).*");

    /**
     * What to start.
     *
     * @param balancerPort where nginx listens (0: a free port); ignored without a balancer
     * @param instancePorts one port per instance (0: a free port); instances are named a, b, c ...
     * @param redisPort    where Redis listens (0: a free port); ignored without Redis
     * @param dir          where Redis keeps its files and each instance's output is logged
     * @param redis        false: no Redis, and each instance uses the in-memory broker (one instance alone)
     * @param balancer     false: no nginx (clients go to the instances themselves)
     * @param echo         where the instances' output goes, each line headed with its name; null: only the logs
     */
    public record Plan(int balancerPort, List<Integer> instancePorts, int redisPort, Path dir,
                       boolean redis, boolean balancer, PrintStream echo) {

        public Plan {
            if (instancePorts.isEmpty() || instancePorts.size() > 8) {
                throw new IllegalArgumentException("from 1 to 8 instances, not " + instancePorts.size());
            }
            instancePorts = List.copyOf(instancePorts);
        }

        /** The cluster a learner runs: nginx on {@code port}, the instances on the next ports, Redis on port + 9. */
        public static Plan local(int port, int instances, int redisPort, Path dir) {
            List<Integer> ports = new ArrayList<>();
            for (int i = 1; i <= instances; i++) {
                ports.add(port + i);
            }
            return new Plan(port, ports, redisPort, dir, true, true, System.out);
        }

        /** Everything on free ports, for tests and the benchmark; the instances' output only in their logs. */
        public static Plan onFreePorts(int instances, Path dir) {
            return new Plan(0, java.util.Collections.nCopies(instances, 0), 0, dir, true, true, null);
        }

        /** The same plan with the in-memory broker: no Redis (then one instance only makes sense). */
        public Plan inMemory() {
            return new Plan(balancerPort, instancePorts, redisPort, dir, false, balancer, echo);
        }

        public Plan withoutBalancer() {
            return new Plan(balancerPort, instancePorts, redisPort, dir, redis, false, echo);
        }
    }

    /** One instance of the feed: its name, its port on 127.0.0.1, its JVM. */
    public record Instance(String name, int port, Process process) {

        public URI uri(String path) {
            return URI.create("http://127.0.0.1:" + port + path);
        }
    }

    private final Plan plan;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Instance> instances = new ArrayList<>();
    private final Set<String> stoppedOnPurpose = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final CompletableFuture<String> unexpectedExit = new CompletableFuture<>();
    private RedisProcess redis;
    private Nginx nginx;
    private volatile boolean closing;

    private Cluster(Plan plan) {
        this.plan = plan;
    }

    /**
     * Starts Redis, the instances and nginx, and returns once each of them answers: every instance's
     * {@code /health} says serving (with its broker), and nginx passes {@code /health} on.
     * If any part fails, what was started is stopped again and the exception says why.
     *
     * @throws Nginx.NotFound        if nginx is not installed (the message says how to install it)
     * @throws IllegalStateException if a port is taken or a part does not start (with its last words)
     */
    public static Cluster start(Plan plan) {
        Cluster cluster = new Cluster(plan);
        try {
            cluster.launch();
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            if (e instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw (RuntimeException) e;
        }
    }

    private void launch() throws IOException {
        if (plan.balancer()) {
            Nginx.binary(); // before anything starts: a missing nginx says so at once
        }
        List<Integer> ports = new ArrayList<>();
        for (int port : plan.instancePorts()) {
            ports.add(port == 0 ? freePort() : requireFree(port, "instance"));
        }
        if (plan.balancer() && plan.balancerPort() != 0) {
            requireFree(plan.balancerPort(), "load balancer");
        }
        Files.createDirectories(plan.dir());
        String broker = "";
        if (plan.redis()) {
            int port = plan.redisPort() == 0 ? freePort() : requireFree(plan.redisPort(), "Redis");
            redis = RedisProcess.start(plan.dir().resolve("redis"), port);
            watch("Redis", ProcessHandle.of(redis.pid()).map(ProcessHandle::onExit).orElseThrow());
            broker = redis.uri();
        }
        // All JVMs start at once and warm up side by side; then each is waited for.
        for (int i = 0; i < ports.size(); i++) {
            String name = String.valueOf((char) ('a' + i));
            instances.add(startInstance(name, ports.get(i), broker));
        }
        for (Instance instance : instances) {
            awaitServing(instance);
        }
        if (plan.balancer()) {
            nginx = Nginx.start(nginxConfig(Files.readString(root().resolve(NGINX_CONFIG)), ports), plan.balancerPort());
            watch("nginx", nginx.onExit().thenApply(Process::toHandle));
            awaitAnswer(uri("/health"), "nginx, in front of the instances");
        }
    }

    private Instance startInstance(String name, int port, String broker) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dport=" + port, "-Dhost=127.0.0.1", "-Dinstance=" + name));
        if (!broker.isEmpty()) {
            command.add("-Dbroker=" + broker);
        }
        // The log levels exec:java was given (the root pom's), so an instance logs as a lesson does.
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith("org.slf4j.simpleLogger.")) {
                command.add("-D" + key + "=" + System.getProperty(key));
            }
        }
        command.addAll(List.of("-cp", classpath(), MAIN));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Instance instance = new Instance(name, port, process);
        Path log = plan.dir().resolve("instance-" + name + ".log");
        Thread copier = new Thread(() -> copyOutput(instance, log), "output-of-" + name);
        copier.setDaemon(true);
        copier.start();
        watch("instance " + name, process.toHandle().onExit());
        return instance;
    }

    /** Each line an instance prints goes to its log, and (but for the URL it would print) to {@code echo}. */
    private void copyOutput(Instance instance, Path log) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(instance.process().getInputStream(), StandardCharsets.UTF_8));
             Writer file = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
                file.write(line + System.lineSeparator());
                file.flush();
                if (plan.echo() != null && !OWN_LINES.matcher(line).matches()) {
                    plan.echo().println("[" + instance.name() + "] " + line);
                }
            }
        } catch (IOException ended) {
            // the instance has gone
        }
    }

    /** Polls the instance's {@code /health} until it says serving, with its broker answering. */
    private void awaitServing(Instance instance) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        String last = "no answer";
        while (System.nanoTime() - deadline < 0) {
            if (!instance.process().isAlive()) {
                throw new IllegalStateException("instance " + instance.name() + " (port " + instance.port()
                        + ") exited as it started:\n" + tail(plan.dir().resolve("instance-" + instance.name() + ".log")));
            }
            try {
                HttpResponse<String> answer = get(instance.uri("/health"));
                JsonNode health = JSON.readTree(answer.body());
                if (answer.statusCode() == 200 && health.path("broker").asBoolean()) {
                    return;
                }
                last = answer.statusCode() + " " + answer.body();
            } catch (IOException notYet) {
                // still starting
            }
            pause(100);
        }
        throw new IllegalStateException("instance " + instance.name() + " did not answer GET /health with serving within "
                + READY_TIMEOUT.toSeconds() + " s; last: " + last);
    }

    private void awaitAnswer(URI uri, String what) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        String last = "no answer";
        while (System.nanoTime() - deadline < 0) {
            try {
                HttpResponse<String> answer = get(uri);
                if (answer.statusCode() == 200) {
                    return;
                }
                last = answer.statusCode() + " " + answer.body();
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            pause(100);
        }
        throw new IllegalStateException(what + " did not answer " + uri + " within " + READY_TIMEOUT.toSeconds()
                + " s; last: " + last + (nginx == null ? "" : "\n--- nginx's log ---\n" + nginx.log()));
    }

    private HttpResponse<String> get(URI uri) throws IOException {
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the cluster started", e);
        }
    }

    /**
     * The lesson's nginx.conf with only its addresses changed: nginx listens where {@link Nginx} says
     * ({@link Nginx#LISTEN}), and the upstream has one {@code server} line per instance port, each with
     * the settings of the config's first one.
     */
    public static String nginxConfig(String config, List<Integer> instancePorts) {
        String listen = "listen 127.0.0.1:7070;";
        if (config.indexOf(listen) < 0 || config.indexOf(listen) != config.lastIndexOf(listen)) {
            throw new IllegalStateException(NGINX_CONFIG + " should have the line \"" + listen + "\" once");
        }
        Matcher servers = Pattern.compile("(?m)^([ \\t]*)server 127\\.0\\.0\\.1:\\d+([^;\\n]*);[ \\t]*\\n").matcher(config);
        StringBuilder out = new StringBuilder();
        boolean first = true;
        while (servers.find()) {
            String lines = "";
            if (first) {
                String indent = servers.group(1);
                String settings = servers.group(2);
                lines = instancePorts.stream().map(port -> indent + "server 127.0.0.1:" + port + settings + ";\n")
                        .collect(Collectors.joining());
                first = false;
            }
            servers.appendReplacement(out, Matcher.quoteReplacement(lines));
        }
        if (first) {
            throw new IllegalStateException(NGINX_CONFIG + " should list the instances as \"server 127.0.0.1:PORT ...;\" lines");
        }
        servers.appendTail(out);
        return out.toString().replace(listen, "listen " + Nginx.LISTEN + ";");
    }

    /** Notes when a program of the cluster exits without having been asked to. */
    private void watch(String what, CompletableFuture<ProcessHandle> exit) {
        exit.thenRun(() -> {
            if (!closing && !stoppedOnPurpose.contains(what)) {
                unexpectedExit.complete(what + " exited");
            }
        });
    }

    /** Completes, with what happened, when one of the cluster's programs exits without being asked to. */
    public CompletableFuture<String> unexpectedExit() {
        return unexpectedExit;
    }

    /** The address of {@code path} through the load balancer. */
    public URI uri(String path) {
        if (nginx == null) {
            throw new IllegalStateException("this cluster has no load balancer");
        }
        return URI.create("http://127.0.0.1:" + nginx.port() + path);
    }

    /** What nginx has logged so far: "connect() failed" when it found an instance gone, and why a request failed. */
    public String balancerLog() {
        return nginx == null ? "" : nginx.log();
    }

    /** The page's address as a learner opens it. */
    public String url() {
        return "http://localhost:" + nginx.port() + "/";
    }

    public List<Instance> instances() {
        return List.copyOf(instances);
    }

    public Instance instance(String name) {
        return instances.stream().filter(instance -> instance.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no instance " + name));
    }

    /** Kills an instance at once (SIGKILL, {@code kill -9}): no drain, its sockets simply die. Waits until it has gone. */
    public void kill(String name) {
        Instance instance = instance(name);
        stoppedOnPurpose.add("instance " + name);
        instance.process().destroyForcibly();
        await(instance.process(), Duration.ofSeconds(10));
    }

    /**
     * Asks an instance to stop (SIGTERM, as {@code kill} or a deploy does): it drains, as lesson 08 taught.
     * Returns at once; the process's {@code onExit()} tells when it has gone.
     */
    public Process terminate(String name) {
        Instance instance = instance(name);
        stoppedOnPurpose.add("instance " + name);
        instance.process().destroy();
        return instance.process();
    }

    /** The process ids, to see them in {@code ps} or a task manager. */
    public String describe() {
        StringBuilder text = new StringBuilder();
        if (nginx != null) {
            text.append("  nginx      port ").append(nginx.port()).append("  pid ").append(nginx.pid()).append('\n');
        }
        for (Instance instance : instances) {
            text.append("  instance ").append(instance.name()).append("  port ").append(instance.port())
                    .append("  pid ").append(instance.process().pid()).append('\n');
        }
        if (redis != null) {
            text.append("  Redis      port ").append(redis.port()).append("  pid ").append(redis.pid())
                    .append("  (its files in ").append(shown(plan.dir().resolve("redis"))).append(")\n");
        }
        return text.toString();
    }

    /**
     * Stops everything this cluster started, each by its own process: the instances first, politely
     * (SIGTERM: each drains its streams, which come back after their retry), then nginx, then Redis.
     * Safe to call twice.
     */
    @Override
    public void close() {
        closing = true;
        for (Instance instance : instances) {
            instance.process().destroy(); // all at once: they drain side by side
        }
        for (Instance instance : instances) {
            if (!await(instance.process(), STOP_TIMEOUT)) {
                instance.process().destroyForcibly();
                await(instance.process(), Duration.ofSeconds(5));
            }
        }
        if (nginx != null) {
            nginx.close();
        }
        if (redis != null) {
            redis.stop();
        }
    }

    private static boolean await(Process process, Duration most) {
        try {
            return process.waitFor(most.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    // ---------------------------------------------------------------------------------------
    // The command
    // ---------------------------------------------------------------------------------------

    public static void main(String[] args) {
        int port = Integer.getInteger("port", Lesson.DEFAULT_PORT);
        int count = Integer.getInteger("instances", DEFAULT_INSTANCES);
        int redisPort = Integer.getInteger("redis.port", port + 9);
        Plan plan = Plan.local(port, count, redisPort, root().resolve(".data").resolve("cluster"));
        Cluster cluster;
        try {
            cluster = start(plan);
        } catch (Nginx.NotFound missing) {
            System.err.println("The cluster puts nginx in front of the instances, but " + missing.reason() + "\n"
                    + "Install nginx (nothing else: Redis comes with the build), then run this command again:\n"
                    + Nginx.howToInstall()
                    + "Or run the whole cluster in containers, with Docker (see docs/09-scale-out.md):\n"
                    + "  docker compose -f solutions/09-scale-out/docker-compose.yml up --build");
            System.exit(1);
            return;
        } catch (RuntimeException e) {
            System.err.println("The cluster could not start: " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            cluster.close();
            System.out.println("Cluster stopped: the instances, nginx and Redis.");
        }, "cluster-shutdown"));
        System.out.print(cluster.describe());
        // System.out, not a logger: `mvn -q` hides log output but not this line.
        System.out.println("Lesson 09-scale-out is running as a cluster: open " + cluster.url() + "  (Ctrl-C stops it all)");
        String what = cluster.unexpectedExit().join();
        pause(1000); // Ctrl-C reaches every program of the cluster at once: then this is no surprise
        if (cluster.closing) {
            return;
        }
        System.err.println(what + " without being asked to: stopping the cluster.");
        System.exit(1); // runs the shutdown hook, which stops the rest
    }

    // ---------------------------------------------------------------------------------------

    /** The repository's root: the folder above web/. */
    static Path root() {
        return Lesson.webRoot().getParent();
    }

    /** The classpath this class was loaded with, for the instances' JVMs: exec:java gives it as a URLClassLoader. */
    static String classpath() {
        Set<String> entries = new LinkedHashSet<>();
        for (ClassLoader loader = Thread.currentThread().getContextClassLoader(); loader != null; loader = loader.getParent()) {
            if (loader instanceof URLClassLoader urls) {
                for (URL url : urls.getURLs()) {
                    try {
                        entries.add(Path.of(url.toURI()).toString());
                    } catch (java.net.URISyntaxException | IllegalArgumentException notAFile) {
                        // not a file: not for a classpath
                    }
                }
                break;
            }
        }
        if (entries.isEmpty()) {
            return System.getProperty("java.class.path"); // a plain java -cp, or a test runner's
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    /** A folder inside the repository as a path from its root, for messages. */
    private static String shown(Path dir) {
        Path absolute = dir.toAbsolutePath().normalize();
        try {
            Path root = root().toAbsolutePath().normalize();
            return absolute.startsWith(root) ? root.relativize(absolute).toString() : absolute.toString();
        } catch (IllegalStateException outside) {
            return absolute.toString();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    private static int requireFree(int port, String what) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            return port;
        } catch (IOException taken) {
            throw new IllegalStateException("port " + port + " (for the " + what + ") is in use: is a cluster or a lesson"
                    + " still running? Stop it, or start on other ports with -Dport=8080 (then the instances use 8081 and on)");
        }
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no output)";
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis); // polling a process that is starting: nothing to wait on but its answer
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
