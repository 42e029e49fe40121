package sse.capstone;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import sse.capstone.People.Delivery;
import sse.capstone.People.Point;
import sse.check.Browser;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Lesson 10 in real browsers: two customers and the dispatcher side by side, each in a browser of its
 * own (a session is a cookie, one per browser). Run with ./mvnw verify -Pbrowser (needs Chromium).
 */
@Timeout(120)
class CapstoneBrowserIT {

    static final Duration WITHIN = Duration.ofSeconds(15);

    private static void signIn(Browser browser, Tracker tracker, String name) {
        browser.open(tracker.uri("/").toString());
        browser.script("document.getElementById('name').value = arguments[0];"
                + "document.getElementById('signin-form').requestSubmit();", name);
        browser.awaitText("#who", text -> text.startsWith(name + " "), WITHIN);
        browser.awaitText("#state", "open"::equals, WITHIN);
    }

    private static String count(Delivery delivery) {
        return "#deliveries li[data-delivery='" + delivery.id() + "'] .count";
    }

    @Test
    @DisplayName("two customers and the dispatcher each see exactly their own deliveries move; a dropped page resumes; sign-out stops the stream")
    void sideBySide() {
        try (Tracker t = new Tracker(Tracker.options());
             Browser one = Browser.start(); Browser two = Browser.start(); Browser all = Browser.start()) {
            Delivery d1 = t.deliveryOf("customer1");
            Delivery d2 = t.deliveryOf("customer2");
            signIn(one, t, "customer1");
            signIn(two, t, "customer2");
            signIn(all, t, "dispatcher");
            assertEquals(1, one.count("#deliveries li"), "customer1's page lists one delivery");
            assertEquals(1, two.count("#deliveries li"), "customer2's page lists one delivery");
            assertEquals(t.people.deliveries().size(), all.count("#deliveries li"), "the dispatcher's lists every one");
            assertEquals(1, one.count("#map circle.courier"), "one courier drawn on customer1's map");

            String courier1 = t.signIn(d1.courier());
            String courier2 = t.signIn(d2.courier());
            for (int i = 1; i <= 3; i++) {
                Point p = Tracker.along(d1, i);
                t.move(courier1, d1, p.x(), p.y());
                Point q = Tracker.along(d2, i);
                t.move(courier2, d2, q.x(), q.y());
            }
            one.awaitText(count(d1), "3"::equals, WITHIN);
            two.awaitText(count(d2), "3"::equals, WITHIN);
            all.awaitText(count(d1), "3"::equals, WITHIN);
            all.awaitText(count(d2), "3"::equals, WITHIN);
            assertEquals(0, one.count("#deliveries li[data-delivery='" + d2.id() + "']"), "customer1 never sees customer2's");

            // Every stream is cut, as a crash would; positions come while the pages are away.
            t.app.dropAll();
            for (int i = 4; i <= 5; i++) {
                Point p = Tracker.along(d1, i);
                t.move(courier1, d1, p.x(), p.y());
            }
            one.awaitText(count(d1), "5"::equals, WITHIN); // replayed after Last-Event-ID: none missing
            all.awaitText(count(d1), "5"::equals, WITHIN);
            one.awaitText("#state", "open"::equals, WITHIN);
            assertEquals("3", two.awaitText(count(d2), "3"::equals, WITHIN), "customer2 got nothing of customer1's");

            two.script("document.getElementById('signout').click();");
            two.awaitText("#state", "signed out"::equals, WITHIN);
            assertEquals("open", one.text("#state"), "customer1 is still signed in");
        }
    }
}
