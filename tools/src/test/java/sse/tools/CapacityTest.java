package sse.tools;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The capacity benchmark at a tiny scale, against the real servers in child processes: every row of
 * its table has a number for every server. The numbers themselves are not judged here: a benchmark
 * prints what it measures, and a test that timed it would fail on a busy machine.
 */
class CapacityTest {

    private static final List<String> ROWS = List.of(
            "Burst: 30 streams opened at once, all connected in",
            "  accept queue (listen backlog); SYNs it dropped",
            "Held: 40 streams, one movie reached",
            "Fan-out: 3 movies to 30 streams, last client, median",
            "  last client, p99 (x median)",
            "Live heap per idle stream",
            "Slow client: 5 readers, 150 posts: slowest POST / reader wait",
            "  + 1 client that never reads: slowest POST / reader wait",
            "  the stalled client cut off",
            "Storm: all 40 dropped at once, all back in",
            "  retry: the clients waited; SYNs dropped");

    @Test
    void measures_each_server_in_child_processes_and_prints_every_row_with_numbers() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        // Also on the test's own output (a file under target/surefire-reports), to see where time went.
        PrintStream out = new PrintStream(new TeeStream(printed, System.out), true, StandardCharsets.UTF_8);
        Capacity.Options options = Capacity.Options.parse(List.of(
                "--streams", "30", "--held", "40", "--events", "3", "--readers", "5", "--posts", "150"));

        List<Capacity.Result> results = assertTimeoutPreemptively(Duration.ofSeconds(150), () -> Capacity.run(options, out));

        String output = printed.toString(StandardCharsets.UTF_8);
        boolean virtualThreads = ChildJvm.jdk21(null).isPresent();
        assertEquals(List.of(Capacity.Server.values()), results.stream().map(r -> r.server).toList(), output);
        for (Capacity.Result r : results) {
            if (r.server == Capacity.Server.THREADS && !virtualThreads) {
                assertTrue(r.skipped.startsWith("needs JDK 21+"), output);
                continue;
            }
            String name = r.server.title + ": ";
            assertEquals(30, Capacity.number(r.burst, "connected"), name + output);
            assertTrue(Capacity.number(r.burst, "allMs") >= 0, name + output);
            assertEquals(40, Capacity.number(r.held, "streams"), name + output);
            assertEquals(1, Capacity.number(r.held, "reachedAll"), name + output);
            assertEquals(3, Capacity.number(r.fanOut, "reachedAll"), name + output);
            assertTrue(r.heapPerStream() > 0, name + "jcmd measured the heap: " + output);
            if (r.server != Capacity.Server.THREADS) { // the third column measures streams, heap and fan-out only
                assertEquals(150 * 5, Capacity.number(r.slowWithout, "delivered"), name + output);
                assertEquals(150 * 5, Capacity.number(r.slowWith, "delivered"), name + output);
                assertEquals(40, Capacity.number(r.storm, "back"), name + "every client came back: " + output);
            }
        }

        List<String> lines = Arrays.asList(output.split("\\R"));
        String header = lines.stream().filter(l -> l.startsWith("capacity ")).findFirst().orElseThrow(() -> new AssertionError(output));
        assertTrue(header.contains("lesson 04") && header.contains("lesson 08") && header.contains("thread per stream"), output);
        for (String label : ROWS) {
            Optional<String> line = lines.stream().filter(l -> l.startsWith(label + " ")).findFirst();
            assertTrue(line.isPresent(), "no row '" + label + "' in:\n" + output);
            List<String> cells = Arrays.stream(line.get().split("\\|", -1)).map(String::strip).toList();
            assertEquals(6, cells.size(), line.get());
            for (int column = 1; column <= 3; column++) {
                String cell = cells.get(column);
                boolean threadsNotMeasured = column == 3 && (label.startsWith("Storm") || label.contains("retry:")
                        || label.startsWith("Slow") || label.contains("never reads") || label.contains("stalled"));
                boolean threadsSkipped = column == 3 && !virtualThreads;
                if (threadsNotMeasured || threadsSkipped) {
                    assertTrue(cell.startsWith("n/a"), label + ": " + cell);
                } else {
                    assertTrue(cell.matches(".*\\d.*") && !cell.startsWith("n/a"), label + ", column " + column + ": '" + cell + "'\n" + output);
                }
            }
        }
        assertFalse(output.contains("error"), output);
    }

    /** Writes to two streams. */
    private static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream first;
        private final java.io.OutputStream second;

        TeeStream(java.io.OutputStream first, java.io.OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) throws java.io.IOException {
            first.write(b);
            second.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            first.write(b, off, len);
            second.write(b, off, len);
        }
    }

    @Test
    void options_have_the_issues_scale_by_default_and_refuse_what_makes_no_sense() {
        Capacity.Options defaults = Capacity.Options.parse(List.of());
        assertEquals(List.of(10_000, 19_000, 40, 100, 20_000),
                List.of(defaults.burst(), defaults.held(), defaults.events(), defaults.readers(), defaults.posts()));
        assertEquals(List.of(Capacity.Server.LESSON_08), Capacity.Options.parse(List.of("--only", "08")).servers());
        assertEquals(Path.of("some-jdk"), Capacity.Options.parse(List.of("--jdk", "some-jdk")).jdk());
        assertEquals(2000, Capacity.Options.parse(List.of("--quick")).held());
        assertEquals(500, Capacity.Options.parse(List.of("--streams", "500", "--quick")).burst());

        assertThrows(Tools.UsageException.class, () -> Capacity.Options.parse(List.of("--held", "10", "--streams", "20")));
        assertThrows(Tools.UsageException.class, () -> Capacity.Options.parse(List.of("--streams", "50000")));
        assertThrows(Tools.UsageException.class, () -> Capacity.Options.parse(List.of("--only", "05")));
        assertThrows(Tools.UsageException.class, () -> Capacity.Options.parse(List.of("--posts")));
        assertThrows(Tools.UsageException.class, () -> Capacity.Options.parse(List.of("--speed", "11")));
    }

    @Test
    void says_how_many_open_files_holding_the_streams_needs_when_the_limit_is_lower() {
        long limit = CapacityClient.maxOpenFiles();
        if (limit < 0 || limit > Integer.MAX_VALUE) {
            return; // a platform without such a limit
        }
        Tools.UsageException refused = assertThrows(Tools.UsageException.class,
                () -> Capacity.requireOpenFiles((int) limit));
        assertTrue(refused.getMessage().contains("ulimit -n"), refused.getMessage());
    }
}
