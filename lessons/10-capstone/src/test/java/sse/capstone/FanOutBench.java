package sse.capstone;

import sse.capstone.People.User;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The fan-out benchmark: against a server started on its own (another process), the simulator's couriers
 * drive for {@code --seconds} while every customer, every courier and the dispatcher hold their page's
 * stream in this process. Prints how long after a courier's POST the last of that delivery's pages had
 * the position, the rates, and whether every customer got all of theirs, in order, and nothing else.
 *
 * <pre>--url http://127.0.0.1:7070 --couriers 50 --customers 500 --seconds 30 --rate 4</pre>
 * The server must be started with the same {@code -Dcouriers} and {@code -Dcustomers}. Loopback only,
 * at most 5000 customers and 120 seconds.
 */
public final class FanOutBench {

    private FanOutBench() {
    }

    public static void main(String[] args) throws Exception {
        URI server = URI.create("http://127.0.0.1:7070");
        int couriers = 50;
        int customers = 500;
        long seconds = 30;
        double rate = 4;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--url" -> server = URI.create(args[i + 1]);
                case "--couriers" -> couriers = Integer.parseInt(args[i + 1]);
                case "--customers" -> customers = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Long.parseLong(args[i + 1]);
                case "--rate" -> rate = Double.parseDouble(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; the options are --url, --couriers, --customers, --seconds, --rate");
            }
        }
        if (customers > 5000 || seconds > 120) {
            throw new IllegalArgumentException("at most 5000 customers and 120 seconds");
        }
        People people = People.of(couriers, customers);
        List<User> users = people.users();
        System.out.printf(Locale.ROOT, "%s; JDK %s; %d cores%n", server, Runtime.version(), Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "%d couriers post %.1f positions a second each for %d s; %d pages watch "
                + "(%d customers, %d couriers, 1 dispatcher)%n", couriers, rate, seconds, users.size(), customers, couriers);
        try (FanOut fanOut = FanOut.watch(server, people, users, Duration.ofSeconds(30));
             Simulator simulator = new Simulator(new Simulator.Settings(server, couriers, rate, 10, Duration.ofSeconds(seconds)),
                     fanOut.listener())) {
            simulator.signIn();
            long start = System.nanoTime();
            simulator.start();
            while (!simulator.finished()) {
                Thread.sleep(100);
            }
            Thread.sleep(500); // the last answers
            double ran = (System.nanoTime() - start) / 1e9;
            fanOut.awaitQuiet(Duration.ofSeconds(10));
            FanOut.Report report = fanOut.report(ran);
            System.out.printf(Locale.ROOT, "posts refused with 429: %d, failed: %d%n", simulator.tooMany(), simulator.failed());
            System.out.println(report.describe());
            if (!report.allRight()) {
                System.exit(1);
            }
        }
    }
}
