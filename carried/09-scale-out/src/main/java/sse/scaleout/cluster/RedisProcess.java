// Lesson 09-scale-out's finished code, generated from solutions/09-scale-out/src/main/java/sse/scaleout/cluster/RedisProcess.java: edit that file, then run ./mvnw -q -pl tools compile exec:java -Dexec.args="starters --write".
package sse.scaleout.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server}, started and stopped by us: the one on the PATH when there is one
 * ({@code -Dredis.binary} names another), else the binary the build brings inside the
 * {@code embedded-redis} jar. It listens on 127.0.0.1 only and keeps an append-only file, written
 * before every answer ({@code appendfsync always}), in its own folder: what it acknowledged survives
 * a stop, and even a {@code kill -9}.
 */
public final class RedisProcess implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);

    private final Path binary;
    private final Path dir;
    private final int port;
    private Process process;

    private RedisProcess(Path binary, Path dir, int port) {
        this.binary = binary;
        this.dir = dir;
        this.port = port;
    }

    /** Starts Redis on {@code port} with its files in {@code dir}, and waits until it answers PING. */
    public static RedisProcess start(Path dir, int port) throws IOException {
        Files.createDirectories(dir);
        return start(dir, port, binary(dir));
    }

    /** Starts the redis-server {@code binary} on {@code port} with its files in {@code dir}. */
    public static RedisProcess start(Path dir, int port, Path binary) throws IOException {
        Files.createDirectories(dir);
        RedisProcess redis = new RedisProcess(binary, dir, port);
        redis.launch();
        return redis;
    }

    /** {@code redis://127.0.0.1:<port>} */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The process id, to see it in {@code ps} or end it from outside. */
    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    /** Stops Redis the polite way (SIGTERM: it finishes writing its file), and waits for it, at most 10 s. */
    public void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Kills Redis at once (SIGKILL), as a crash would. */
    public void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts it again, on the same port with the same files. */
    public void restart() throws IOException {
        stop();
        launch();
    }

    @Override
    public void close() {
        stop();
    }

    private void launch() throws IOException {
        List<String> command = new ArrayList<>(List.of(binary.toString(),
                "--port", String.valueOf(port), "--bind", "127.0.0.1", "--dir", dir.toAbsolutePath().toString(),
                "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                "--daemonize", "no", "--protected-mode", "yes", "--logfile", "redis.log"));
        process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.out").toFile()).start();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited at once (" + process.exitValue() + "): "
                        + tail(dir.resolve("redis.log")) + tail(dir.resolve("redis.out")));
            }
            if (answersPing()) {
                return;
            }
            try {
                Thread.sleep(20); // a process coming up: nothing to wait on but its port
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while Redis started", e);
            }
        }
        process.destroyForcibly();
        throw new IOException("redis-server did not answer on port " + port + " within " + READY_TIMEOUT.toSeconds() + " s");
    }

    private boolean answersPing() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            socket.setSoTimeout(500);
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] answer = new byte[7];
            int n = socket.getInputStream().read(answer);
            return n > 0 && new String(answer, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException notYet) {
            return false;
        }
    }

    private static String tail(Path file) {
        try {
            String text = Files.readString(file);
            return text.length() > 400 ? text.substring(text.length() - 400) : text;
        } catch (IOException none) {
            return "";
        }
    }

    /** The redis-server to run: -Dredis.binary, else one on the PATH, else the build's own. */
    static Path binary(Path dir) throws IOException {
        String named = System.getProperty("redis.binary", "");
        if (!named.isEmpty()) {
            return Path.of(named);
        }
        Optional<Path> onPath = onPath("redis-server");
        if (onPath.isPresent()) {
            return onPath.get();
        }
        return packedBinary(dir);
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        boolean windows = System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("windows");
        for (String folder : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(folder, windows ? name + ".exe" : name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The binary inside the embedded-redis jar for this system, copied into {@code dir} once. */
    public static Path packedBinary(Path dir) throws IOException {
        Files.createDirectories(dir);
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        boolean arm = arch.contains("aarch64") || arch.contains("arm");
        String resource;
        if (os.startsWith("windows")) {
            resource = "redis-server-5.0.14.1-windows-amd64.exe";
        } else if (os.contains("mac") || os.contains("darwin")) {
            resource = arm ? "redis-server-6.2.6-v5-darwin-arm64" : "redis-server-6.2.6-v5-darwin-amd64";
        } else {
            resource = arm ? "redis-server-6.2.7-linux-arm64" : "redis-server-6.2.6-v5-linux-amd64";
        }
        Path target = dir.resolve(resource);
        if (!Files.isExecutable(target)) {
            try (InputStream in = RedisProcess.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IOException("no redis-server on the PATH, and none for " + os + "/" + arch
                            + " in the embedded-redis jar: install Redis (see docs/09-scale-out.md)");
                }
                Path partial = dir.resolve(resource + ".partial");
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                partial.toFile().setExecutable(true);
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return target;
    }
}
