package sse.tools;

import sse.tools.Tools.UsageException;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Clients that come and go: each round opens N streams, lets them receive for a moment, drops
 * them all abruptly (as closed tabs do), waits, and prints what the server's stats endpoint says.
 * On a server that cleans up, the numbers come back down after every round; on one that leaks,
 * they climb. Lesson 03 uses it to show the leak and the fix.
 */
final class StreamChurn {

    static final int MAX_CLIENTS = 5_000;
    static final int MAX_ROUNDS = 100;

    private StreamChurn() {
    }

    /** What {@code churn} was asked to do. */
    record Options(URI url, URI stats, int clients, int rounds, Duration hold, Duration pause) {

        static Options parse(List<String> args) {
            URI url = null;
            URI stats = null;
            int clients = 100;
            int rounds = 10;
            Duration hold = Duration.ofMillis(1500);
            Duration pause = Duration.ofMillis(2500);
            for (int i = 0; i < args.size(); i += 2) {
                if (i + 1 == args.size()) {
                    throw new UsageException("churn: " + args.get(i) + " needs a value");
                }
                String value = args.get(i + 1);
                switch (args.get(i)) {
                    case "--url" -> url = URI.create(value);
                    case "--stats" -> stats = URI.create(value);
                    case "--clients" -> clients = number("--clients", value, MAX_CLIENTS);
                    case "--rounds" -> rounds = number("--rounds", value, MAX_ROUNDS);
                    case "--hold-ms" -> hold = Duration.ofMillis(number("--hold-ms", value, 60_000));
                    case "--pause-ms" -> pause = Duration.ofMillis(number("--pause-ms", value, 60_000));
                    default -> throw new UsageException("churn: unknown option " + args.get(i));
                }
            }
            if (url == null) {
                throw new UsageException("churn needs --url, e.g. --url http://localhost:7070/events");
            }
            return new Options(url, stats != null ? stats : url.resolve("/stats"), clients, rounds, hold, pause);
        }

        private static int number(String option, String value, int max) {
            try {
                int n = Integer.parseInt(value);
                if (n < 1 || n > max) {
                    throw new UsageException("churn: " + option + " must be between 1 and " + max);
                }
                return n;
            } catch (NumberFormatException e) {
                throw new UsageException("churn: " + option + " needs a whole number, not '" + value + "'");
            }
        }
    }

    /** Runs every round and returns the stats body printed after each one. */
    static List<String> run(Options options, PrintStream out) {
        StreamLoad.requireLoopback(options.url(), "--url");
        StreamLoad.requireLoopback(options.stats(), "--stats");
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        out.println("Churning " + options.rounds() + " rounds of " + options.clients() + " clients on " + options.url()
                + "; after each round, " + options.stats() + " says:");
        List<String> seen = new ArrayList<>();
        for (int round = 1; round <= options.rounds(); round++) {
            int opened = openHoldAndDrop(options);
            pause(options.pause());
            String stats = stats(http, options.stats());
            seen.add(stats);
            out.printf("round %3d  clients so far %6d  (%d opened this round)  stats: %s%n",
                    round, round * options.clients(), opened, stats);
        }
        return seen;
    }

    /**
     * Opens the streams, lets them run for the hold time, then closes them all without a word.
     * Plain sockets, not the JDK's HttpClient: closing a body the HttpClient is not reading can leave
     * its socket half-open for seconds, and the server would rightly go on writing to it.
     */
    private static int openHoldAndDrop(Options options) {
        URI url = options.url();
        int port = url.getPort() == -1 ? 80 : url.getPort();
        String target = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        byte[] request = ("GET " + target + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + port
                + "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        List<Socket> streams = new ArrayList<>();
        try {
            for (int i = 0; i < options.clients(); i++) {
                Socket socket = new Socket();
                streams.add(socket);
                try {
                    socket.connect(new InetSocketAddress(url.getHost(), port), 5_000);
                    socket.getOutputStream().write(request);
                } catch (IOException refused) {
                    // not opened: counted below
                }
            }
            pause(options.hold());
            int opened = 0;
            for (Socket socket : streams) {
                opened += answeredWithAStream(socket) ? 1 : 0;
            }
            return opened;
        } finally {
            for (Socket socket : streams) {
                try {
                    socket.close(); // the server finds out on its next write
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    /** True when the server answered 200; what else it sent is read and dropped, as a tab's last bytes are. */
    private static boolean answeredWithAStream(Socket socket) {
        if (!socket.isConnected()) {
            return false;
        }
        try {
            socket.setSoTimeout(5_000);
            InputStream in = socket.getInputStream();
            StringBuilder statusLine = new StringBuilder();
            for (int b; (b = in.read()) != -1 && b != '\n' && statusLine.length() < 200; ) {
                statusLine.append((char) b);
            }
            in.skipNBytes(in.available());
            return statusLine.toString().matches("HTTP/1\\.[01] 200( .*)?\r?");
        } catch (IOException noAnswer) {
            return false;
        }
    }

    private static String stats(HttpClient http, URI stats) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(stats).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body() : "HTTP " + response.statusCode();
        } catch (IOException e) {
            return "no answer: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
