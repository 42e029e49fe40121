package sse.tools;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The promise to a learner, tested: nothing we tell them to run fails because of their edits
 * under {@code lessons/}, and nothing overwrites those edits. In a copy of the repository, four
 * starters are edited as a learner would (lesson 01 finished, lesson 04 half done, lesson 02 with
 * a wrong answer that compiles, lesson 08 with TODO 3 done on a wrong TODO 1); then the README's
 * test command must pass, each check must say where that lesson stands (lesson 08's, with
 * {@code -Dtodo=3}, that TODO 3 needs TODO 1), {@code starters --write} must refuse, and every
 * edit must still be there, byte for byte. Maintainers run it (CI does): {@code learner-edits --check}.
 */
final class LearnerEdits {

    private LearnerEdits() {
    }

    static int check(Path root, PrintStream out) throws IOException, InterruptedException {
        Path copy = Files.createTempDirectory("learner-edits-");
        try {
            TodoSteps.copyTree(root, copy);
            Map<Path, byte[]> edited = new LinkedHashMap<>();
            edited.putAll(TodoSteps.applyTodos(root, copy, "01-raw-stream", Integer.MAX_VALUE));
            edited.putAll(TodoSteps.applyTodos(root, copy, "04-client-registry", 2));
            Path lesson02 = copy.resolve("lessons/02-sse-client/src/main/java/sse/sseclient/SseClientApp.java");
            String text = Files.readString(lesson02);
            String stub = "sse.support.Todo.remind(1,";
            if (!text.contains(stub)) {
                out.println("FAIL lesson 02's starter has no '" + stub + "' to replace with a wrong answer");
                return 1;
            }
            // A wrong answer that compiles: a comment where the stream should be kept open.
            String wrong = text.replace(stub, "client.sendComment(\"kept open?\"); if (false) " + stub);
            Files.writeString(lesson02, wrong);
            edited.put(lesson02, wrong.getBytes(StandardCharsets.UTF_8));
            // Lesson 08: TODO 3 done, TODO 1 wrong (one frame written, never flushed), so TODO 3's
            // test, which reads the welcome TODO 1 writes, cannot pass: its check must say TODO 1.
            edited.putAll(TodoSteps.applyTodos(root, copy, "08-production", todo -> todo == 3));
            Path outbox = copy.resolve("lessons/08-production/src/main/java/sse/production/Outbox.java");
            String outboxText = Files.readString(outbox);
            String drainStub = "sse.support.Todo.remind(1,";
            if (!outboxText.contains(drainStub)) {
                out.println("FAIL lesson 08's starter has no '" + drainStub + "' to replace with a wrong answer");
                return 1;
            }
            String oneFrame = outboxText.replace(drainStub,
                    "byte[] frame = next(); if (frame != null && out.isReady()) { out.write(frame); } if (false) " + drainStub);
            Files.writeString(outbox, oneFrame);
            edited.put(outbox, oneFrame.getBytes(StandardCharsets.UTF_8));

            List<String> problems = new ArrayList<>();
            TodoSteps.Run test = TodoSteps.maven(copy, List.of("-q", "test"));
            if (test.exitCode() != 0) {
                problems.add("./mvnw test failed after the edits:\n" + tail(test.output(), 30));
            }
            expectCheck(copy, "01-raw-stream", "all 3 TODOs done", 0, problems);
            expectCheck(copy, "04-client-registry", "2 of 4 TODOs done; next: TODO 3", 1, problems);
            expectCheck(copy, "02-sse-client", "0 of ", 1, problems);
            expectCheck(copy, "08-production", "0 of 4 TODOs done; next: TODO 1 (", 1, problems);
            expectCheck(copy, "08-production", List.of("-Dtodo=3"),
                    "TODO 3 cannot be judged yet: it needs TODO 1, which is not done", 1, problems);
            TodoSteps.Run write = TodoSteps.maven(copy, List.of("-q", "-pl", "tools", "compile", "exec:java",
                    "-Dexec.args=starters --write"));
            if (write.exitCode() == 0) {
                problems.add("starters --write did not refuse to replace the edited starters");
            }
            for (Map.Entry<Path, byte[]> entry : edited.entrySet()) {
                if (!java.util.Arrays.equals(Files.readAllBytes(entry.getKey()), entry.getValue())) {
                    problems.add(Tools.display(copy, entry.getKey()) + " was changed");
                }
            }
            if (problems.isEmpty()) {
                out.println("learner-edits: with lesson 01 finished, 04 half done, 02 wrong and 08's TODO 3 done on a wrong"
                        + " TODO 1, ./mvnw test passes, each check says where its lesson stands, starters --write refuses, and all "
                        + edited.size() + " edited files are untouched.");
                return 0;
            }
            problems.forEach(problem -> out.println("FAIL " + problem));
            return 1;
        } finally {
            TodoSteps.deleteTree(copy);
        }
    }

    private static void expectCheck(Path copy, String lesson, String expected, int exitCode, List<String> problems)
            throws IOException, InterruptedException {
        expectCheck(copy, lesson, List.of(), expected, exitCode, problems);
    }

    private static void expectCheck(Path copy, String lesson, List<String> options, String expected, int exitCode,
                                    List<String> problems) throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(List.of("-q", "-pl", "lessons/" + lesson, "-am", "test", "-Pcheck"));
        arguments.addAll(options);
        TodoSteps.Run check = TodoSteps.maven(copy, arguments);
        List<String> lines = check.output().lines().filter(line -> !line.isBlank()).toList();
        String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        if (check.exitCode() != exitCode || !last.contains(expected)) {
            problems.add("the check of " + lesson + (options.isEmpty() ? "" : " " + String.join(" ", options)) + " should exit "
                    + exitCode + " saying '" + expected + "', but exited " + check.exitCode() + " saying '" + last + "'");
        }
    }

    private static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }
}
