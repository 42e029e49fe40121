package sse.tools;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DocsCheckTest {

    private static final List<String> SOURCE = List.of(
            "class Clock {",
            "    void start(SseClient client) {",
            "        client.keepAlive();",
            "        // solution:begin TODO 1",
            "        client.sendEvent(\"tick\", now());",
            "        // solution:end",
            "        client.onClose(() -> log(\"closed\"));   ",
            "",
            "        log(\"started\");",
            "    }",
            "}");

    private static int unmatched(String... snippet) {
        return DocsCheck.firstUnmatchedLine(List.of(snippet), DocsCheck.sourceView(SOURCE));
    }

    // --- snippets --------------------------------------------------------------------------------

    @Test
    void an_exact_run_of_lines_matches() {
        assertEquals(-1, unmatched("class Clock {", "    void start(SseClient client) {", "        client.keepAlive();"));
    }

    @Test
    void indentation_is_compared_relative_to_the_block_and_trailing_spaces_are_ignored() {
        assertEquals(-1, unmatched("client.keepAlive();  ", "client.sendEvent(\"tick\", now());",
                "client.onClose(() -> log(\"closed\"));"));
        assertEquals(-1, unmatched("  void start(SseClient client) {", "      client.keepAlive();"));
        assertEquals(1, unmatched("void start(SseClient client) {", "client.keepAlive();"),
                "relative indentation must be kept");
    }

    @Test
    void markers_are_removed_from_the_source() {
        assertEquals(-1, unmatched("client.keepAlive();", "client.sendEvent(\"tick\", now());", "client.onClose(() -> log(\"closed\"));"));
        assertEquals(1, unmatched("client.keepAlive();", "// solution:begin TODO 1"));
    }

    @Test
    void an_elision_line_matches_any_number_of_lines_including_none() {
        assertEquals(-1, unmatched("void start(SseClient client) {", "    // ...", "    log(\"started\");", "}"));
        assertEquals(-1, unmatched("client.keepAlive();", "// ...", "client.sendEvent(\"tick\", now());"));
        assertEquals(-1, unmatched("// ...", "log(\"started\");"));
        assertEquals(-1, unmatched("class Clock {", "// ...", "}"));
    }

    @Test
    void blank_lines_must_match_blank_lines() {
        assertEquals(-1, unmatched("client.onClose(() -> log(\"closed\"));", "", "log(\"started\");"));
        assertEquals(1, unmatched("client.onClose(() -> log(\"closed\"));", "log(\"started\");"));
    }

    @Test
    void a_mismatch_names_the_first_snippet_line_that_is_not_there() {
        assertEquals(2, unmatched("void start(SseClient client) {", "    client.keepAlive();", "    client.sendEvent(\"tock\", now());"));
        assertEquals(0, unmatched("nowhere();"));
        assertEquals(3, unmatched("class Clock {", "// ...", "        log(\"started\");", "missing();"));
    }

    // --- slugs -----------------------------------------------------------------------------------

    @Test
    void slugs_are_github_style() {
        assertEquals("todo-1-send-the-first-event", DocsCheck.slug("TODO 1: send the first event"));
        assertEquals("the-accept-header", DocsCheck.slug("The `Accept` header"));
        assertEquals("why-not-websockets", DocsCheck.slug("Why not WebSockets?"));
        assertEquals("server_sent-events--the-format", DocsCheck.slug("Server_Sent Events — the format"));
        assertEquals("see-the-spec", DocsCheck.slug("See [the spec](https://html.spec.whatwg.org/)"));
        assertEquals("café-wifi", DocsCheck.slug("Café wifi"));
    }

    @Test
    void duplicate_headings_get_numbered_and_code_blocks_have_no_headings() {
        List<String> markdown = List.of(
                "# Lesson 1", "", "## Try it", "", "```bash", "# not a heading", "```",
                "## Try it", "Setext heading", "--------------", "## Try it ##");
        assertEquals(List.of("lesson-1", "try-it", "try-it-1", "setext-heading", "try-it-2"),
                List.copyOf(DocsCheck.headingSlugs(markdown)));
    }

    // --- a small repository ----------------------------------------------------------------------

    @Test
    void snippets_links_and_todo_pointers_are_checked_in_a_repository(@TempDir Path root) throws IOException {
        write(root, "solutions/01-demo/src/main/java/App.java",
                "class App {\n    // solution:begin TODO 1\n    int x = 1;\n    // solution:end\n"
                        + "    String todo = \"docs/01-demo.md#todo-1\";\n"
                        + "    String dead = \"(read docs/01-demo.md#todo-9)\";\n"
                        + "    // a comment may name docs/nowhere.md#x\n}\n");
        write(root, "README.md", "# Workshop\n\nStart with [lesson 1](docs/01-demo.md#todo-1) or [nothing](docs/none.md).\n"
                + "[web](https://example.com) `[code](not/checked.md)`\n");
        write(root, "docs/01-demo.md", String.join("\n",
                "# Lesson 1", "", "## TODO 1", "", "<details><summary>The finished code</summary>", "",
                "<!-- snippet: solutions/01-demo/src/main/java/App.java -->", "```java", "int x = 1;", "```", "",
                "<!-- snippet: solutions/01-demo/src/main/java/App.java -->", "", "```java", "int x = 2;", "```", "",
                "</details>", "",
                "Back to [the top](#lesson-1), [a missing part](#lesson-2), [the readme](../README.md#workshop).",
                ""));

        List<String> problems = DocsCheck.check(root);

        assertEquals(List.of(
                "README.md:3: link docs/none.md: no such file or folder docs/none.md",
                "docs/01-demo.md:12: snippet does not match solutions/01-demo/src/main/java/App.java:"
                        + " line 15 'int x = 2;' is not there (after the lines before it)",
                "docs/01-demo.md:20: link #lesson-2: docs/01-demo.md has no heading #lesson-2"
                        + " (its headings: #lesson-1, #todo-1)",
                "solutions/01-demo/src/main/java/App.java:6: TODO pointer docs/01-demo.md#todo-9:"
                        + " docs/01-demo.md has no heading #todo-9 (its headings: #lesson-1, #todo-1)"),
                problems);
    }


    // --- hints before answers --------------------------------------------------------------------

    private static final String APP = "solutions/01-demo/src/main/java/App.java";

    private static String snippet(String path, String code) {
        return String.join("\n", "<!-- snippet: " + path + " -->", "```java", code, "```");
    }

    private static String folded(String code) {
        return String.join("\n", "<details><summary>The finished code</summary>", "", snippet(APP, code), "", "</details>", "");
    }

    @Test
    @DisplayName("in a TODO section the finished code from solutions/ must sit inside <details>")
    void the_finished_code_of_a_todo_is_folded_away(@TempDir Path root) throws IOException {
        write(root, APP, "class App {\n    int x = 1;\n}\n");
        write(root, "web/01-demo/index.html", "<p>int x = 1;</p>\n");
        write(root, "docs/01-demo.md", String.join("\n",
                "# Lesson 1",                                          // 1
                "## Run it",                                           // 2
                snippet(APP, "int x = 1;"),                            // 3-6: not a TODO section: allowed
                "## The exercise",                                     // 7
                "### TODO 1: the first",                               // 8
                "Use `x`; mind the pitfall.",                          // 9
                snippet(APP, "int x = 1;"),                            // 10-13: in the open: a problem
                folded("int x = 1;"),                                  // 14-22: folded: fine
                "#### A detail of TODO 1",                             // 23: lower level: still TODO 1
                snippet(APP, "int x = 1;"),                            // 24-27: a problem
                snippet("web/01-demo/index.html", "<p>int x = 1;</p>"), // 28-31: not solutions/: allowed
                "### After the TODOs",                                 // 32: same level: TODO 1 ends
                snippet(APP, "int x = 1;"),                            // 33-36: allowed
                "TODO 2: a setext heading",                            // 37
                "------------------------",                            // 38
                snippet(APP, "int x = 1;"),                            // 39-42: a problem
                ""));

        assertEquals(List.of(
                "docs/01-demo.md:10: \"TODO 1: the first\" shows the finished code of " + APP + " in the open:"
                        + " give the hint first and put the code inside"
                        + " <details><summary>The finished code</summary> ... </details>",
                "docs/01-demo.md:24: \"TODO 1: the first\" shows the finished code of " + APP + " in the open:"
                        + " give the hint first and put the code inside"
                        + " <details><summary>The finished code</summary> ... </details>",
                "docs/01-demo.md:39: \"TODO 2: a setext heading\" shows the finished code of " + APP + " in the open:"
                        + " give the hint first and put the code inside"
                        + " <details><summary>The finished code</summary> ... </details>"),
                DocsCheck.check(root));
    }

    @Test
    @DisplayName("a code block needs a blank line after <summary>, and every <details> is closed")
    void a_folded_block_needs_its_blank_lines_and_its_end(@TempDir Path root) throws IOException {
        write(root, APP, "class App {\n    int x = 1;\n}\n");
        write(root, "docs/01-demo.md", String.join("\n",
                "# Lesson 1",                                          // 1
                "## TODO 1: the first",                                // 2
                "<details><summary>The finished code</summary>",       // 3
                snippet(APP, "int x = 1;"),                            // 4-7: no blank line before: a problem
                "</details>",                                          // 8
                "## TODO 2: the second",                               // 9
                "<details>",                                           // 10
                "<summary>The finished code</summary>",                // 11
                "",                                                    // 12
                snippet(APP, "int x = 1;"),                            // 13-16: fine, but never closed
                ""));

        assertEquals(List.of(
                "docs/01-demo.md:5: a code block right after a <details> or <summary> line: leave a blank"
                        + " line between them, or GitHub shows the block as raw text",
                "docs/01-demo.md:10: this <details> is never closed: everything after it is folded away"),
                DocsCheck.check(root));
    }

    // --- PowerShell beside curl ------------------------------------------------------------------

    @Test
    @DisplayName("a curl command has a PowerShell version in the next code block, or curl.exe beside it")
    void curl_has_a_powershell_version_beside_it(@TempDir Path root) throws IOException {
        String stream = "curl -N -H \"Accept: text/event-stream\" http://localhost:7070/events";
        write(root, "README.md", String.join("\n", "# Workshop", "```", stream, "```", "")); // README.md is checked too
        write(root, "docs/01-demo.md", String.join("\n",
                "# Lesson 1",                                                  // 1
                "```", stream, "```",                                          // 2-4: fine
                "```powershell", "curl.exe -N http://localhost:7070/events", "```", // 5-7
                "```", "./mvnw test", "curl http://localhost:7070/stats", "```", // 8-11: output comes next: a problem
                "```", "{\"clients\":1}", "```",                               // 12-14
                "```powershell", "curl.exe http://localhost:7070/stats", "```", // 15-17
                "```", "curl http://localhost:7070/clients", "```",            // 18-20: a heading comes first: a problem
                "## Next",                                                     // 21
                "```powershell", "curl.exe http://localhost:7070/clients", "```", // 22-24
                "```", "curl http://localhost:7070/clients", "curl.exe http://localhost:7070/clients", "```", // 25-28: fine
                "```powershell", "curl http://localhost:7070/clients", "```",  // 29-31: the alias: a problem
                "```bash", "  curl -X POST http://localhost:7070/admin/close", "```", // 32-34: the last block: a problem
                "Text that says curl http://localhost:7070/ is not a command.", // 35
                ""));

        assertEquals(List.of(
                "README.md:3: curl without a PowerShell version: follow this code block with a"
                        + " ```powershell block (curl.exe for a stream, Invoke-RestMethod to post JSON)",
                "docs/01-demo.md:10: curl without a PowerShell version: follow this code block with a"
                        + " ```powershell block (curl.exe for a stream, Invoke-RestMethod to post JSON)",
                "docs/01-demo.md:19: curl without a PowerShell version: follow this code block with a"
                        + " ```powershell block (curl.exe for a stream, Invoke-RestMethod to post JSON)",
                "docs/01-demo.md:30: in PowerShell, curl is Invoke-WebRequest: write curl.exe",
                "docs/01-demo.md:33: curl without a PowerShell version: follow this code block with a"
                        + " ```powershell block (curl.exe for a stream, Invoke-RestMethod to post JSON)"),
                DocsCheck.check(root));
    }

    @Test
    void string_literals_are_found_outside_comments() {
        List<DocsCheck.StringLiteral> literals = DocsCheck.stringLiterals(String.join("\n",
                "// \"in a line comment\"",
                "/* \"in a block comment\"", "*/ char q = '\"';",
                "String a = \"one \\\" two\";",
                "String b = \"\"\"",
                "    block",
                "    \"\"\";"));
        assertEquals(List.of(
                new DocsCheck.StringLiteral("one \\\" two", 4),
                new DocsCheck.StringLiteral("\n    block\n    ", 5)), literals);
    }

    private static void write(Path root, String file, String text) throws IOException {
        Path path = root.resolve(file);
        Files.createDirectories(path.getParent());
        Files.writeString(path, text);
    }
}
