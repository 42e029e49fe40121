package sse.check;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The TODO a test checks. A lesson's check ({@link Check}) runs the tests of TODO 1 first, and
 * the tests of TODO n only once every earlier TODO passes, so a failure always names the first
 * TODO that is really missing. Tests without it (stress, robustness) run once every TODO passes.
 * On a class, it applies to every test in the class that does not say otherwise.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface ChecksTodo {
    /** The TODO's number, as in {@code // TODO 3:} in the lesson's code. */
    int value();
}
