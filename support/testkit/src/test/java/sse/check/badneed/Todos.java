package sse.check.badneed;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.ChecksTodo;

/** A made-up lesson whose TODO 2 says it needs itself: a maintainer's mistake, for CheckTest. */
class Todos {

    @Test
    @ChecksTodo(1)
    @DisplayName("todo one works")
    void one() {
    }

    @Test
    @ChecksTodo(value = 2, needs = 2)
    @DisplayName("todo two works")
    void two() {
    }
}
