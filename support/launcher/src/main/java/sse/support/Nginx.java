package sse.support;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real nginx, run as the current user: in front of a lesson for the proxy tests ({@code *NginxIT},
 * run by {@code ./mvnw verify -Pnginx}), and as lesson 09's load balancer ({@code sse.scaleout.cluster.Cluster}).
 * One runner for both, so the tests run nginx exactly as a learner's cluster does.
 *
 * <p>It runs without root, in a temporary folder of its own that holds its config, pid file, log and
 * buffers, and listens on 127.0.0.1: on a free port, or on the port asked for. It is one process (two
 * with a master process), stopped by {@link #close()}. Nothing is downloaded: nginx must be installed,
 * e.g. on Debian or Ubuntu with {@code sudo apt-get install nginx}; when it is not, {@link NotFound}
 * says how to install it.
 *
 * <pre>{@code
 * try (TestServer lesson = TestServer.start(app);
 *      Nginx nginx = Nginx.inFrontOf(lesson.uri(""), Nginx.Proxy.forStreams())) {
 *     EventStream stream = EventStream.open(nginx.uri("/events"));
 * }
 * }</pre>
 */
public final class Nginx implements AutoCloseable {

    /** In a config given to {@link #start(String)}: where nginx listens, replaced by {@code 127.0.0.1:<free port>}. */
    public static final String LISTEN = "{{listen}}";

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    /** A free port can be taken by someone else before nginx binds it: try again with another. */
    private static final int ATTEMPTS = 3;
    private static final Pattern VERSION = Pattern.compile("nginx/(\\d+)\\.(\\d+)\\.(\\d+)");

    /**
     * How nginx passes a lesson's responses on: the few settings that decide what happens to a stream.
     *
     * @param httpVersion          {@code proxy_http_version}: "1.0" (nginx's default) or "1.1"
     * @param buffering            {@code proxy_buffering} (on by default)
     * @param ignoreAccelBuffering {@code proxy_ignore_headers X-Accel-Buffering}: nginx buffers even a
     *                             response that says {@code X-Accel-Buffering: no}
     * @param readTimeout          {@code proxy_read_timeout} (60 s by default): the longest silence from
     *                             the lesson before nginx gives up on the response
     */
    public record Proxy(String httpVersion, boolean buffering, boolean ignoreAccelBuffering, Duration readTimeout) {

        public Proxy {
            if (!httpVersion.equals("1.0") && !httpVersion.equals("1.1")) {
                throw new IllegalArgumentException("proxy_http_version is 1.0 or 1.1, not " + httpVersion);
            }
            if (readTimeout.toMillis() < 1) {
                throw new IllegalArgumentException("proxy_read_timeout must be at least 1 ms: " + readTimeout);
            }
        }

        /** nginx's own defaults: HTTP/1.0 to the lesson, buffering on, a 60 s read timeout. */
        public static Proxy defaults() {
            return new Proxy("1.0", true, false, Duration.ofSeconds(60));
        }

        /** The lesson's settings (solutions/08-production/nginx/nginx.conf): HTTP/1.1, buffering off. */
        public static Proxy forStreams() {
            return new Proxy("1.1", false, false, Duration.ofSeconds(60));
        }

        /** The same, but nginx buffers even when the lesson says {@code X-Accel-Buffering: no}. */
        public Proxy ignoringAccelBuffering() {
            return new Proxy(httpVersion, buffering, true, readTimeout);
        }

        public Proxy withReadTimeout(Duration value) {
            return new Proxy(httpVersion, buffering, ignoreAccelBuffering, value);
        }

        /** A complete config that proxies every path to {@code upstream} with these settings. */
        public String config(URI upstream) {
            return String.join("\n",
                    "# Written by sse.support.Nginx for one test.",
                    "daemon off;",
                    "master_process off;         # one process, stopped by its PID",
                    "error_log stderr notice;    # into the log file the test reads",
                    "pid temp/nginx.pid;",
                    "events { worker_connections 256; }",
                    "http {",
                    "    access_log off;",
                    "    client_body_temp_path temp/client_body;",
                    "    proxy_temp_path temp/proxy;",
                    "    fastcgi_temp_path temp/fastcgi;",
                    "    uwsgi_temp_path temp/uwsgi;",
                    "    scgi_temp_path temp/scgi;",
                    "    server {",
                    "        listen " + LISTEN + ";",
                    "        location / {",
                    "            proxy_pass " + origin(upstream) + ";",
                    "            proxy_set_header Host $http_host;",
                    "            proxy_http_version " + httpVersion + ";",
                    httpVersion.equals("1.1") ? "            proxy_set_header Connection \"\";" : "",
                    "            proxy_buffering " + (buffering ? "on" : "off") + ";",
                    ignoreAccelBuffering ? "            proxy_ignore_headers X-Accel-Buffering;" : "",
                    "            proxy_read_timeout " + readTimeout.toMillis() + "ms;",
                    "        }",
                    "    }",
                    "}",
                    "");
        }

        @Override
        public String toString() {
            return "proxy_http_version " + httpVersion + ", proxy_buffering " + (buffering ? "on" : "off")
                    + (ignoreAccelBuffering ? ", X-Accel-Buffering ignored" : "")
                    + ", proxy_read_timeout " + readTimeout.toMillis() + "ms";
        }
    }

    /** nginx is not installed where we looked (or where we were told to look); the message says how to install it. */
    public static final class NotFound extends IllegalStateException {
        private final String reason;

        NotFound(String reason) {
            super(missing(reason));
            this.reason = reason;
        }

        /** What is wrong, in a sentence ("nginx was not found."), without how to install it. */
        public String reason() {
            return reason;
        }
    }

    /** The port asked for is taken by another program. */
    public static final class PortInUse extends IllegalStateException {
        PortInUse(int port) {
            super("port " + port + " is in use by another program, so nginx cannot listen on it");
        }
    }

    /** The program could not be started because another process took the free port first. */
    private static final class PortTaken extends Exception {
        PortTaken() {
            super(null, null, false, false);
        }
    }

    private final Path prefix;
    private Process process;
    private int port;
    private boolean closed;

    private Nginx(Path prefix) {
        this.prefix = prefix;
    }

    /** Starts nginx in front of {@code upstream} (a lesson's {@link TestServer#uri}{@code ("")}) with these settings. */
    public static Nginx inFrontOf(URI upstream, Proxy proxy) {
        return start(proxy.config(upstream));
    }

    /**
     * Starts nginx with a whole config, in which {@link #LISTEN} stands for the address to listen on
     * (127.0.0.1 and a free port). Relative paths in it are relative to nginx's own temporary folder,
     * which has an empty {@code temp/}.
     *
     * @throws NotFound              if nginx is not installed (the message says how to install it)
     * @throws IllegalStateException if it does not start (the message has its log)
     */
    public static Nginx start(String config) {
        return start(config, 0);
    }

    /**
     * Like {@link #start(String)}, listening on 127.0.0.1 and {@code port}; 0 for a free port.
     *
     * @throws PortInUse if another program listens on {@code port}
     */
    public static Nginx start(String config, int port) {
        if (!config.contains(LISTEN)) {
            throw new IllegalArgumentException("the config must say where to listen with " + LISTEN);
        }
        Path binary = binary();
        List<String> options = errorLogOption(binary);
        for (int attempt = 1; ; attempt++) {
            Nginx nginx;
            try {
                nginx = new Nginx(Files.createTempDirectory("sse-nginx-"));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot make a folder for nginx", e);
            }
            try {
                nginx.launch(binary, options, config, port == 0 ? freePort() : port);
                return nginx;
            } catch (PortTaken taken) {
                nginx.close();
                if (port != 0) {
                    throw new PortInUse(port);
                }
                if (attempt == ATTEMPTS) {
                    throw new IllegalStateException("another program took each of " + ATTEMPTS + " free ports before nginx could listen");
                }
            } catch (IOException | RuntimeException e) {
                String log = nginx.log();
                nginx.close();
                throw new IllegalStateException("nginx (" + binary + ") did not start: " + e.getMessage()
                        + "\n--- its log ---\n" + log, e);
            }
        }
    }

    private void launch(Path binary, List<String> options, String config, int port) throws IOException, PortTaken {
        Files.createDirectories(prefix.resolve("temp"));
        this.port = port;
        Files.writeString(prefix.resolve("nginx.conf"), config.replace(LISTEN, "127.0.0.1:" + port));
        List<String> command = new ArrayList<>(List.of(binary.toString(), "-p", prefix + File.separator, "-c", "nginx.conf"));
        command.addAll(options);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(prefix.resolve("nginx.log").toFile())
                .start();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                if (log().contains("Address already in use")) {
                    throw new PortTaken();
                }
                throw new IllegalStateException("it exited with code " + process.exitValue());
            }
            if (listening()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("it did not listen on 127.0.0.1:" + port + " within "
                        + READY_TIMEOUT.toSeconds() + " s");
            }
            pause(Duration.ofMillis(20));
        }
    }

    private boolean listening() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    /** The absolute URI of {@code path} through nginx, e.g. {@code uri("/events")}. */
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** The port it listens on, on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** Its process id (the master's, with a master process). */
    public long pid() {
        return process.pid();
    }

    /** Completes when nginx has exited, by {@link #close()} or otherwise. */
    public CompletableFuture<Process> onExit() {
        return process.onExit();
    }

    /** What nginx has logged so far (notices and errors, e.g. "upstream timed out"). */
    public String log() {
        Path log = prefix.resolve("nginx.log");
        try {
            return Files.isRegularFile(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read the log: " + e.getMessage() + ")";
        }
    }

    /** Stops nginx (and its worker, if it has one) and deletes its folder. Safe to call twice. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (process != null) {
            // A config with a master process (the lesson's) has a worker too: note it before the master goes.
            List<ProcessHandle> workers = process.descendants().toList();
            process.destroy(); // SIGTERM: nginx's fast shutdown; a master stops its worker first
            try {
                if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            workers.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        }
        deleteRecursively(prefix);
    }

    // ---------------------------------------------------------------------------------------
    // Finding the program
    // ---------------------------------------------------------------------------------------

    /** The places looked at after PATH: where Debian, Ubuntu and some other systems put nginx (not on a user's PATH). */
    static final List<Path> USUAL_PLACES = List.of(Path.of("/usr/sbin/nginx"), Path.of("/usr/local/sbin/nginx"));

    /**
     * The nginx program: {@code -Dnginx.binary}, else the environment variable {@code NGINX_BIN}, else
     * {@code nginx} on the PATH, else one of {@link #USUAL_PLACES}.
     *
     * @throws NotFound if there is none, saying how to install it
     */
    public static Path binary() {
        String property = System.getProperty("nginx.binary");
        String variable = System.getenv("NGINX_BIN");
        String configured = property != null ? property : variable;
        String source = property != null ? "-Dnginx.binary" : "NGINX_BIN";
        return find(configured, source, System.getenv().getOrDefault("PATH", ""), USUAL_PLACES);
    }

    /** {@link #binary()} with its inputs given, so that it can be tested. */
    static Path find(String configured, String source, String pathVariable, List<Path> usualPlaces) {
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured);
            if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
                throw new NotFound(source + " is set to " + configured + ", which is not an executable file.");
            }
            return path;
        }
        boolean windows = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
        List<Path> candidates = new ArrayList<>();
        for (String dir : pathVariable.split(File.pathSeparator)) {
            if (!dir.isBlank()) {
                for (String name : windows ? List.of("nginx.exe", "nginx") : List.of("nginx")) {
                    candidates.add(Path.of(dir, name));
                }
            }
        }
        candidates.addAll(usualPlaces);
        return candidates.stream()
                .filter(path -> Files.isRegularFile(path) && Files.isExecutable(path))
                .findFirst()
                .orElseThrow(() -> new NotFound("nginx was not found."));
    }

    static String missing(String what) {
        return "This runs a real nginx, but " + what + "\n"
                + howToInstall()
                + "  Looked at: -Dnginx.binary, then NGINX_BIN, then nginx on the PATH, then "
                + String.join(" and ", USUAL_PLACES.stream().map(Path::toString).toList()) + ".\n"
                + "  (The proxy tests run only with ./mvnw verify -Pnginx: leave out -Pnginx to skip them.)";
    }

    /** How to install nginx, one line per system, for messages that say it is missing. */
    public static String howToInstall() {
        return "  Debian/Ubuntu:  sudo apt-get install nginx   (it lands in /usr/sbin, which is looked at too)\n"
                + "  macOS:          brew install nginx\n"
                + "  Windows:        unzip nginx for Windows (from nginx.org) and set NGINX_BIN to its nginx.exe\n";
    }

    /**
     * {@code -e stderr} where nginx has it (1.19.5 and later): without it, nginx first opens its
     * system-wide error log, which only root may write. Older versions complain, then go on.
     */
    private static List<String> errorLogOption(Path binary) {
        String version = version(binary);
        Matcher m = VERSION.matcher(version);
        if (!m.find()) {
            throw new IllegalStateException(binary + " -v did not print an nginx version, but: " + version);
        }
        int[] v = {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))};
        boolean hasOption = v[0] > 1 || v[1] > 19 || (v[1] == 19 && v[2] >= 5);
        return hasOption ? List.of("-e", "stderr") : List.of();
    }

    /** What {@code nginx -v} prints, e.g. "nginx version: nginx/1.22.1". */
    public static String version(Path binary) {
        try {
            Process probe = new ProcessBuilder(binary.toString(), "-v").redirectErrorStream(true).start();
            byte[] output;
            try (InputStream in = probe.getInputStream()) {
                output = in.readNBytes(4096);
            }
            if (!probe.waitFor(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                probe.destroyForcibly();
                throw new IllegalStateException(binary + " -v did not finish within " + READY_TIMEOUT.toSeconds() + " s");
            }
            return new String(output, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new NotFound(binary + " does not run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking nginx its version", e);
        }
    }

    // ---------------------------------------------------------------------------------------

    /** {@code http://127.0.0.1:7070} for {@code http://127.0.0.1:7070/anything}: proxy_pass keeps the request's own path. */
    private static String origin(URI upstream) {
        if (!"127.0.0.1".equals(upstream.getHost())) {
            throw new IllegalArgumentException("only to 127.0.0.1: " + upstream);
        }
        return upstream.getScheme() + "://" + upstream.getHost() + ":" + upstream.getPort();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    private static void pause(Duration duration) {
        try {
            TimeUnit.NANOSECONDS.sleep(duration.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | RuntimeException ignored) {
            // a leftover temp folder is not worth failing a test for
        }
    }
}
