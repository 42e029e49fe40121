package sse.support;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Marks where a starter still needs the learner's work. {@link #todo} is thrown where a method
 * cannot go on without it: its message names the TODO and the part of the lesson's doc to read,
 * and the launcher answers it with a 501, so the message reaches the browser, curl and the tests.
 * {@link #remind} stands where a missing line only changes behaviour: it says so on the console.
 */
public final class Todo extends RuntimeException {

    /** Set by the lesson check, which says itself which TODO is next: no reminders then. */
    public static final String QUIET = "todo.reminders.quiet";
    private static final Set<String> REMINDED = ConcurrentHashMap.newKeySet();

    private Todo(String message) {
        super(message, null, false, false);
    }

    /**
     * @param number the TODO's number in the lesson's source
     * @param task   what to do, in a sentence
     * @param doc    where to read about it, as a path and anchor, e.g. {@code docs/01-raw-stream.md#todo-1}
     */
    public static Todo todo(int number, String task, String doc) {
        return new Todo("TODO " + number + " is not done yet: " + task + " (read " + doc + ")");
    }

    /** Prints, once per TODO, that this TODO is still open; the code around it goes on. */
    public static void remind(int number, String task, String doc) {
        if (Boolean.getBoolean(QUIET)) {
            return;
        }
        String message = "TODO " + number + " is not done yet: " + task + " (read " + doc + ")";
        if (REMINDED.add(message)) {
            // System.err, not a logger: `mvn -q` hides log output but not this.
            System.err.println(message);
        }
    }
}
