package sse.reconnection;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.Await;
import sse.check.EventStream;
import sse.check.PostFuzz;
import sse.check.TestServer;

import java.time.Duration;

/**
 * Robustness, not a TODO: seeded random bodies and Content-Types on POST /movies, which lesson 07
 * shares from lesson 04. Guards against a 5xx, and against an event for a refused post.
 */
class PostFuzzTest {

    @Test
    @DisplayName("1000 random bodies and 500 random Content-Types: never a 5xx, one event per accepted post")
    void randomPosts() {
        ReconnectionApp lesson = new ReconnectionApp(new ReconnectionApp.Options(Duration.ofHours(1), 4096, 1000, Duration.ofSeconds(2)));
        try (TestServer server = TestServer.start(lesson.create());
             EventStream stream = EventStream.open(server.uri("/events")).expectEventStream("GET /events")) {
            Await.until(() -> lesson.clients() == 1, Duration.ofSeconds(3), () -> "the stream should be registered");
            PostFuzz.Outcome outcome = PostFuzz.run(server, 11L, 1000, 500);
            System.out.println("POST fuzz: " + outcome);
            PostFuzz.assertOneEventPerAcceptedPost(server, stream, outcome.acceptedIds());
        }
    }
}
