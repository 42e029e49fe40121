package sse.cleanup;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.Await;
import sse.check.EventStream;
import sse.check.TestServer;

import java.time.Clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static sse.cleanup.CleanupTest.FAST;
import static sse.cleanup.CleanupTest.NEVER;
import static sse.cleanup.CleanupTest.TODO_1;
import static sse.cleanup.CleanupTest.TODO_2;
import static sse.cleanup.CleanupTest.WITHIN;
import static sse.cleanup.CleanupTest.connect;
import static sse.cleanup.CleanupTest.stats;

/** Guards that cleanup is per client: while many clients come and go, the one that stays keeps all its work. */
class CleanupStressTest {

    @Test
    @DisplayName("a client that stays keeps receiving while 20 others come and go")
    void stayingClientKeepsReceiving() {
        CleanupApp lesson = new CleanupApp(new CleanupApp.Options(FAST, NEVER, Clock.systemUTC()));
        try (TestServer server = TestServer.start(lesson.create());
             EventStream stays = EventStream.open(server.uri("/events"))) {
            stays.next(WITHIN, "the first client should get readings");
            connect(server, 20).forEach(EventStream::close);
            Await.until(() -> stats(server).openStreams() == 1, WITHIN, () -> "only one client is left, /stats says "
                    + stats(server) + ". " + TODO_1);
            stays.next(3, WITHIN, "the client that stayed should go on receiving readings");
            assertEquals(new CleanupApp.Stats(1, 2), stats(server), "one client, two tasks. " + TODO_1 + " " + TODO_2);
        }
    }
}
