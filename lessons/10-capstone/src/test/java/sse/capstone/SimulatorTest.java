package sse.capstone;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import sse.capstone.People.Role;
import sse.capstone.People.User;
import sse.check.TestServer;
import sse.scaleout.InMemoryBroker;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The simulator's couriers drive for a few seconds, at the production rate limit, while every customer,
 * every courier and the dispatcher hold their page's stream, all over real HTTP. (The benchmark in
 * {@link FanOutBench} is the same at 50 couriers and 500 customers, with the server in another process.)
 */
@Timeout(60)
class SimulatorTest {

    @Test
    @DisplayName("10 couriers drive for 5 s: each of 50 customers gets every position of their own delivery, in order, and nothing of others'")
    void everyCustomerGetsTheirOwnInOrder() throws Exception {
        People people = People.of(10, 50);
        TrackerApp.Options options = TrackerApp.Options.defaults().withDrainFor(Duration.ofSeconds(1));
        TrackerApp app = new TrackerApp(options, people, new InMemoryBroker(options.historySize()));
        try (TestServer server = TestServer.start(app.create());
             FanOut fanOut = FanOut.watch(server.uri("/"), people, people.users(), Duration.ofSeconds(10));
             Simulator simulator = new Simulator(new Simulator.Settings(server.uri("/"), 10, 4, 10, Duration.ofSeconds(5)),
                     fanOut.listener())) {
            simulator.signIn().start();
            while (!simulator.finished()) {
                Thread.sleep(100);
            }
            Thread.sleep(300); // the last answers
            fanOut.awaitQuiet(Duration.ofSeconds(5));
            FanOut.Report report = fanOut.report(5);
            assertEquals(0, simulator.tooMany(), "4 positions a second per courier stay under the limit of 5: no 429");
            assertEquals(0, simulator.failed(), "every post is answered 202");
            assertTrue(report.posts() >= 150, "10 couriers at 4 a second for 5 s post about 200 positions: " + report.describe());
            assertTrue(report.allRight(), "each page gets all its deliveries' positions, in order, and no one else's "
                    + "(TODO 1 decides who sees what):\n" + report.describe());
            assertEquals(people.users().stream().filter(u -> u.role() == Role.CUSTOMER).count(), report.customers());
        }
    }
}
