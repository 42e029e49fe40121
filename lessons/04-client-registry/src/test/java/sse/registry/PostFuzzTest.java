package sse.registry;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.Await;
import sse.check.EventStream;
import sse.check.PostFuzz;
import sse.check.TestServer;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Robustness, not a TODO: thousands of seeded random bodies and Content-Type values on POST /movies.
 * Guards against any input that makes the server answer 5xx, or that sends an event it should not.
 */
class PostFuzzTest {

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @DisplayName("2000 random bodies and 1000 random Content-Types: never a 5xx, one event per accepted post")
    void randomPostsNeverBreakTheFeed() {
        RegistryApp lesson = new RegistryApp(new RegistryApp.Options(Duration.ofHours(1), 4096));
        server = TestServer.start(lesson.create());
        try (EventStream stream = EventStream.open(server.uri("/events")).expectEventStream("GET /events")) {
            Await.until(() -> lesson.clients() == 1, Duration.ofSeconds(3), () -> "the stream should be registered");
            PostFuzz.Outcome outcome = PostFuzz.run(server, 20_240_508L, 2000, 1000);
            System.out.println("POST fuzz: " + outcome);
            assertTrue(outcome.acceptedIds().size() > 50, "some random posts are good movies: " + outcome);
            assertTrue(outcome.sent() - outcome.acceptedIds().size() > 1000, "most are not: " + outcome);
            PostFuzz.assertOneEventPerAcceptedPost(server, stream, outcome.acceptedIds());
        }
    }
}
