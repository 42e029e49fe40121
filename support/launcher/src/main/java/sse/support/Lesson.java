package sse.support;

import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.staticfiles.Location;
import io.javalin.util.JavalinBindException;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What every lesson's server shares, so that each lesson's own file shows only SSE:
 * serving its page from {@code web/NN-name/}, answering an unfinished TODO with a 501 that
 * says what to do, errors as JSON, and starting on {@code -Dport} (7070 by default) with the URL printed.
 */
public final class Lesson {

    public static final int DEFAULT_PORT = 7070;

    private Lesson() {
    }

    /**
     * Serves {@code web/<lesson>/} at {@code /} and {@code web/assets/} at {@code /assets}, turns a
     * {@link Todo} into a 501 whose body is the TODO's message, a {@link SameOrigin.Refused} into a
     * 403 {@code {"error": ...}}, and makes Jetty's own error pages the same JSON (see {@link JsonErrors}).
     */
    public static void configure(JavalinConfig config, String lesson) {
        config.startup.showJavalinBanner = false;
        Path web = webRoot();
        config.staticFiles.add(files -> {
            files.hostedPath = "/";
            files.directory = web.resolve(lesson).toString();
            files.location = Location.EXTERNAL;
        });
        config.staticFiles.add(files -> {
            files.hostedPath = "/assets";
            files.directory = web.resolve("assets").toString();
            files.location = Location.EXTERNAL;
        });
        config.routes.exception(Todo.class, (todo, ctx) -> ctx.status(501).result(todo.getMessage()));
        config.routes.exception(SameOrigin.Refused.class, (refused, ctx) -> {
            ctx.status(403).contentType("application/json");
            // Written to the response itself: Javalin drops a result set while refusing a WebSocket upgrade.
            try {
                ctx.res().getOutputStream().write(JsonErrors.body(refused.getMessage()).getBytes(StandardCharsets.UTF_8));
            } catch (IOException gone) {
                // The client has gone: nobody is left to tell.
            }
        });
        config.jetty.modifyServer(server -> server.setErrorHandler(JsonErrors.jettyHandler()));
    }

    /**
     * Starts the app on {@code -Dport} (default 7070) and {@code -Dhost} (default 127.0.0.1, so
     * the café wifi cannot reach it; {@code -Dhost=0.0.0.0} shares it with the room), prints the
     * page's URL, and stops the server on Ctrl-C. Exits with a clear message if the port is taken.
     */
    public static Javalin run(Javalin app, String lesson) {
        int port = Integer.getInteger("port", DEFAULT_PORT);
        String host = System.getProperty("host", "127.0.0.1");
        try {
            app.start(host, port);
        } catch (JavalinBindException e) {
            System.err.println("Lesson " + lesson + " could not start: port " + port
                    + " is in use (another lesson still running?). Stop it, or add -Dport=" + (port + 1) + ".");
            System.exit(1);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.stop();
            System.out.println("Lesson " + lesson + " stopped.");
        }, "lesson-shutdown"));
        // System.out, not a logger: `mvn -q` hides log output but not this line.
        System.out.println("Lesson " + lesson + " is running: open http://localhost:" + app.port() + "/  (Ctrl-C stops it)");
        List<String> shared = addressesFor(host);
        if (!shared.isEmpty()) {
            System.out.println("Other machines on your network can open: "
                    + shared.stream().map(address -> "http://" + address + ":" + app.port() + "/")
                    .collect(Collectors.joining("  ")));
        }
        return app;
    }

    /**
     * The addresses other machines can use when the server listens on {@code host}: this machine's
     * own non-loopback IPv4 addresses for {@code 0.0.0.0}, the host itself for a specific one,
     * none for loopback (nobody else can reach it).
     */
    static List<String> addressesFor(String host) {
        try {
            InetAddress bound = InetAddress.getByName(host);
            if (bound.isLoopbackAddress()) {
                return List.of();
            }
            if (!bound.isAnyLocalAddress()) {
                return List.of(host);
            }
            List<String> addresses = new ArrayList<>();
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp() || nic.isLoopback()) {
                    continue;
                }
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (address instanceof Inet4Address && !address.isLinkLocalAddress()) {
                        addresses.add(address.getHostAddress());
                    }
                }
            }
            return addresses;
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * The repository's {@code web/} folder: found by walking up from the working directory and
     * from where this class was loaded, so it works from the root, a module folder or an IDE.
     */
    public static Path webRoot() {
        return findUp(Path.of("").toAbsolutePath())
                .or(() -> codeLocation().flatMap(Lesson::findUp))
                .orElseThrow(() -> new IllegalStateException(
                        "Cannot find the web/ folder with the lesson pages; run from inside the repository."));
    }

    private static Optional<Path> findUp(Path start) {
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("web").resolve("assets"))) {
                return Optional.of(dir.resolve("web"));
            }
        }
        return Optional.empty();
    }

    private static Optional<Path> codeLocation() {
        try {
            return Optional.of(Path.of(Lesson.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
