package sse.polling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import sse.check.EventStreamParser;
import sse.check.ServerSentEvent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Measures what docs/05-polling.md reports: one client of each kind follows the feed while a movie
 * is posted every few seconds, and each counts its requests, the bytes it sent and received, and
 * the delay from each post to the moment the movie arrived. Not a test: run it by hand.
 *
 * <pre>
 * ./mvnw -q -pl solutions/05-polling test-compile exec:java -Dexec.classpathScope=test \
 *     -Dlesson.main=sse.polling.PollingMeasurement -Dexec.args="--seconds 60 --post-every 5 --poll-every 1000 --seed 5"
 * </pre>
 *
 * The server runs in this JVM with its default options, on loopback. The clients speak HTTP/1.1 over
 * plain sockets, so every byte is counted, headers included; their requests are as small as HTTP
 * allows (a browser's carry some 400 to 800 bytes of headers, more with cookies).
 */
public final class PollingMeasurement {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one client counted. Each is written by one thread and read after it has ended. */
    static final class Tally {
        final String name;
        int requests;
        long sent;
        long received;
        long payload; // poll bodies, or the data of the stream's events
        final List<Long> delays = Collections.synchronizedList(new ArrayList<>());

        Tally(String name) {
            this.name = name;
        }

        void arrived(JsonNode movie) {
            delays.add(System.currentTimeMillis() - movie.path("postedAt").asLong());
        }
    }

    public static void main(String[] args) throws Exception {
        int seconds = option(args, "--seconds", 60);
        int postEvery = option(args, "--post-every", 5);
        int pollEvery = option(args, "--poll-every", 1000);
        int seed = option(args, "--seed", 5);
        int movies = seconds / postEvery;

        Javalin app = new PollingApp(PollingApp.Options.defaults()).create().start("127.0.0.1", 0);
        int port = app.port();
        Tally sse = new Tally("SSE");
        Tally shortPolls = new Tally("short polling, every " + pollEvery + " ms");
        Tally longPolls = new Tally("long polling");
        List<Socket> sockets = new ArrayList<>();
        List<Thread> clients = List.of(
                client("sse", () -> stream(open(port, sockets), port, sse)),
                client("short-poll", () -> {
                    Socket socket = open(port, sockets);
                    long after = 0;
                    while (!socket.isClosed()) {
                        Thread.sleep(pollEvery);
                        after = poll(socket, port, "/movies?after=" + after, shortPolls, after);
                    }
                }),
                client("long-poll", () -> {
                    Socket socket = open(port, sockets);
                    long after = 0;
                    while (!socket.isClosed()) {
                        after = poll(socket, port, "/movies/wait?after=" + after, longPolls, after);
                    }
                }));

        // Movie k is posted at (k + 0.5) * postEvery seconds, give or take half a second (random, from
        // the seed): it falls anywhere between two short polls.
        SplittableRandom random = new SplittableRandom(seed); // java.util.Random would start alike for seeds 5 and 6
        HttpClient poster = HttpClient.newHttpClient();
        long start = System.nanoTime();
        for (int k = 0; k < movies; k++) {
            long at = start + TimeUnit.MILLISECONDS.toNanos((long) ((k + 0.5) * postEvery * 1000) + random.nextInt(1000) - 500);
            TimeUnit.NANOSECONDS.sleep(Math.max(0, at - System.nanoTime()));
            HttpResponse<String> answer = poster.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/movies"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"Movie number " + (k + 1) + "\",\"year\":1999}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 201) {
                throw new IllegalStateException("POST /movies: " + answer.statusCode() + " " + answer.body());
            }
        }
        TimeUnit.NANOSECONDS.sleep(Math.max(0, start + TimeUnit.SECONDS.toNanos(seconds) - System.nanoTime()));
        for (Socket socket : sockets) {
            socket.close();
        }
        for (Thread client : clients) {
            client.join(TimeUnit.SECONDS.toMillis(5));
        }
        app.stop();

        System.out.printf(Locale.ROOT, "%d s, one movie every %d s (%d movies, seed %d), one client of each kind, server and"
                + " clients on loopback in one JVM%n%n", seconds, postEvery, movies, seed);
        System.out.println("| transport | requests | bytes received | of which payload | bytes sent | delay, median | delay, max |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (Tally tally : List.of(shortPolls, longPolls, sse)) {
            List<Long> delays = new ArrayList<>(tally.delays);
            Collections.sort(delays);
            String note = delays.size() == movies ? "" : " (got " + delays.size() + " of " + movies + " movies!)";
            System.out.printf(Locale.ROOT, "| %s%s | %d | %d | %d | %d | %s | %s |%n", tally.name, note, tally.requests,
                    tally.received, tally.payload, tally.sent, delays.isEmpty() ? "-" : median(delays) + " ms",
                    delays.isEmpty() ? "-" : delays.get(delays.size() - 1) + " ms");
        }
        System.exit(0); // Javalin's idle pool threads would keep the JVM (and exec:java) waiting for a minute
    }

    /** The SSE client: one request, then events until the socket is closed. */
    private static void stream(Socket socket, int port, Tally tally) throws IOException {
        send(socket, "GET /events HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAccept: text/event-stream\r\n\r\n", tally);
        InputStream in = socket.getInputStream();
        tally.received += head(in).length();
        EventStreamParser parser = new EventStreamParser(event -> onEvent(event, tally));
        byte[] buffer = new byte[8192];
        for (int n; (n = in.read(buffer)) != -1; ) {
            tally.received += n;
            parser.feed(buffer, 0, n);
        }
    }

    private static void onEvent(ServerSentEvent event, Tally tally) {
        tally.payload += event.data().getBytes(StandardCharsets.UTF_8).length;
        if (event.type().equals("movie")) {
            try {
                tally.arrived(JSON.readTree(event.data()));
            } catch (IOException e) {
                throw new IllegalStateException("not JSON: " + event.data(), e);
            }
        }
    }

    /** One poll on a kept-alive connection; returns the newest id the client has now. */
    private static long poll(Socket socket, int port, String path, Tally tally, long after) throws IOException {
        send(socket, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n", tally);
        InputStream in = socket.getInputStream();
        String head = head(in);
        tally.received += head.length();
        if (!head.startsWith("HTTP/1.1 200")) {
            throw new IllegalStateException(path + ": " + head.lines().findFirst().orElse(head));
        }
        String length = head.lines().filter(line -> line.toLowerCase(Locale.ROOT).startsWith("content-length:"))
                .findFirst().orElseThrow(() -> new IllegalStateException(path + ": no Content-Length in " + head));
        byte[] body = in.readNBytes(Integer.parseInt(length.substring(length.indexOf(':') + 1).strip()));
        tally.received += body.length;
        tally.payload += body.length;
        long newest = after;
        for (JsonNode movie : JSON.readTree(body)) {
            tally.arrived(movie);
            newest = movie.path("id").asLong();
        }
        return newest;
    }

    private static void send(Socket socket, String request, Tally tally) throws IOException {
        byte[] bytes = request.getBytes(StandardCharsets.US_ASCII);
        OutputStream out = socket.getOutputStream();
        out.write(bytes);
        out.flush();
        tally.requests++;
        tally.sent += bytes.length;
    }

    /** The status line and headers, up to and including the empty line. */
    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b == -1) {
                throw new IOException("the connection closed in the middle of a response");
            }
            head.write(b);
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    private static Socket open(int port, List<Socket> sockets) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        synchronized (sockets) {
            sockets.add(socket);
        }
        return socket;
    }

    interface Work {
        void run() throws Exception;
    }

    /** A client on its own thread; it ends quietly when its socket is closed at the end. */
    private static Thread client(String name, Work work) {
        Thread thread = new Thread(() -> {
            try {
                work.run();
            } catch (IOException closed) {
                // the measurement is over
            } catch (Exception e) {
                e.printStackTrace();
            }
        }, name);
        thread.start();
        return thread;
    }

    private static long median(List<Long> sorted) {
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : Math.round((sorted.get(middle - 1) + sorted.get(middle)) / 2.0);
    }

    private static int option(String[] args, String name, int fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }
}
