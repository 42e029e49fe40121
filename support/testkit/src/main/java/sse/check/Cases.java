package sse.check;

import org.junit.jupiter.api.function.ThrowingConsumer;

import java.util.ArrayList;
import java.util.List;

/** Many cases of one rule, checked in one test that fails once and says how many are left. */
public final class Cases {

    private Cases() {
    }

    /**
     * Checks every case and fails once, naming each case that fails and showing the first failure,
     * so that a learner's check shows how many are left in a few lines rather than a screen per case.
     */
    public static <T> void each(List<T> cases, ThrowingConsumer<T> check) {
        List<String> failing = new ArrayList<>();
        AssertionError first = null;
        for (T c : cases) {
            try {
                check.accept(c);
            } catch (AssertionError e) {
                failing.add(c.toString());
                first = first == null ? e : first;
            } catch (Throwable e) {
                failing.add(c.toString());
                first = first == null ? new AssertionError(c + ": " + e, e) : first;
            }
        }
        if (first != null) {
            String names = String.join(", ", failing.subList(0, Math.min(6, failing.size())))
                    + (failing.size() > 6 ? " and " + (failing.size() - 6) + " more" : "");
            throw new AssertionError(failing.size() + " of " + cases.size() + " cases fail (" + names + "). The first:\n"
                    + first.getMessage(), first);
        }
    }
}
