package sse.scaleout;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sse.check.Browser;
import sse.check.MovieFeed;
import sse.scaleout.cluster.Cluster;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Lesson 09's page in headless Chromium, through the lesson's nginx in front of three instances and
 * Redis, all real processes. It needs Chromium and nginx, so it runs only with both profiles,
 * {@code ./mvnw verify -Pbrowser,nginx} (the root pom says how), and fails, saying what to install,
 * when either is missing.
 */
class ClusterBrowserNginxIT {

    static final Duration WITHIN = Duration.ofSeconds(10);
    /** The page waits its retry (2 s plus up to 3 s of jitter) before it comes back, on another instance. */
    static final Duration BACK_WITHIN = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    @DisplayName("kill -9 the page's instance: the page comes back on another, with every movie once, in order, and shows the change")
    void pageSurvivesItsInstance() throws Exception {
        try (Cluster cluster = Cluster.start(Cluster.Plan.onFreePorts(3, dir)); Browser browser = Browser.start()) {
            browser.open(cluster.uri("/").toString());
            browser.awaitText("#state", "open"::equals, WITHIN);
            String first = browser.awaitText("#instance", name -> !name.equals("?"), WITHIN);
            for (int i = 1; i <= 3; i++) {
                post(cluster, "before " + i);
            }
            browser.awaitText("#movie-count", "3"::equals, WITHIN);

            cluster.kill(first);
            for (int i = 4; i <= 6; i++) {
                // nginx finds the dead instance refusing, and passes the post to a live one: no 502 for a post
                // that was never sent.
                post(cluster, "after " + i);
            }
            String second = browser.awaitText("#instance", name -> !name.equals(first), BACK_WITHIN);
            assertNotEquals(first, second);
            browser.awaitText("#movie-count", "6"::equals, WITHIN);
            assertEquals(first + " → " + second, browser.text("#instances"), "the page shows the instances it met, in order");
            assertEquals("open", browser.awaitText("#state", "open"::equals, WITHIN));
            assertEquals("6", browser.text("#last-id"), "the page's last id is the newest movie's");

            @SuppressWarnings("unchecked")
            List<String> shown = new ArrayList<>((List<String>) browser.script(
                    "return Array.from(document.querySelectorAll('#movies li .id')).map(e => e.textContent);"));
            Collections.reverse(shown); // the newest is on top
            assertEquals(List.of("id 1", "id 2", "id 3", "id 4", "id 5", "id 6"), shown,
                    "every movie once, in order, across the change of instance");
            System.out.printf("the page moved from instance %s to %s and shows movies 1 to 6 once each%n", first, second);
        }
    }

    private static void post(Cluster cluster, String title) throws Exception {
        HttpResponse<String> answer = Poster.post(cluster.uri("/movies"), title);
        MovieFeed.assertCreated(answer, "a post through nginx is stored by a live instance");
    }
}
