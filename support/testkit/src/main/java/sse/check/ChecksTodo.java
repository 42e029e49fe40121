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
 *
 * <p>{@code -Dtodo=n} runs TODO n's tests alone, so a test that cannot pass until an earlier TODO
 * works says which, with {@link #needs}: {@code @ChecksTodo(value = 3, needs = 1)} for a test of
 * TODO 3 that reads the welcome TODO 1 writes. When such a test fails, the check runs the tests of
 * the TODOs it needs, and of theirs, in order, and names the first that fails instead of TODO n.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface ChecksTodo {
    /** The TODO's number, as in {@code // TODO 3:} in the lesson's code. */
    int value();

    /** The earlier TODOs this test cannot pass without; none by default. */
    int[] needs() default {};
}
