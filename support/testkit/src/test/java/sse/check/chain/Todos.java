package sse.check.chain;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.ChecksTodo;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A made-up lesson whose TODO 3 needs TODO 2, which needs TODO 1: for CheckTest, like the fixture
 * package. {@code fixture.broken} names the one TODO the made-up learner wrote wrong; the rest work.
 */
class Todos {

    static boolean works(int todo) {
        return Integer.getInteger("fixture.broken", 0) != todo;
    }

    @Test
    @ChecksTodo(1)
    @DisplayName("todo one works")
    void one() {
        assertTrue(works(1), "one is wrong. Look at TODO 1");
    }

    @Test
    @ChecksTodo(value = 2, needs = 1)
    @DisplayName("todo two works on one")
    void two() {
        assertTrue(works(1) && works(2), "two is wrong, or one. Look at TODO 2");
    }

    @Test
    @ChecksTodo(value = 3, needs = 2)
    @DisplayName("todo three works on two")
    void three() {
        assertTrue(works(1) && works(2) && works(3), "three is wrong, or two, or one. Look at TODO 3");
    }
}
