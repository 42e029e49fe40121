package sse.check;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a lesson's page ({@code web/NN-name/index.html}) with jsoup, together with the scripts it
 * loads from {@code web/}, and checks what a page in this course must do: open an EventSource on
 * the lesson's endpoint, have every element its script writes to, and write event data as text.
 */
public final class PageCheck {

    /** Ways to turn a string into markup: a posted message could then inject HTML and script. */
    private static final Pattern HTML_SINKS = Pattern.compile(
            "\\.(innerHTML|outerHTML)\\s*\\+?=|insertAdjacentHTML\\s*\\(|document\\.write(ln)?\\s*\\(|createContextualFragment\\s*\\(");
    private static final Pattern ELEMENT_LOOKUPS = Pattern.compile(
            "getElementById\\(\\s*['\"]([\\w-]+)['\"]\\s*\\)|querySelector\\(\\s*['\"]#([\\w-]+)['\"]\\s*\\)");

    private final Path file;
    private final Document document;
    private final String script;

    private PageCheck(Path file, Document document, String script) {
        this.file = file;
        this.document = document;
        this.script = script;
    }

    /** Loads {@code web/<lesson>/index.html} and the local scripts it references. */
    public static PageCheck of(String lesson) {
        return of(lesson, "index.html");
    }

    /** Loads another page of the lesson, {@code web/<lesson>/<fileName>}, and the local scripts it references. */
    public static PageCheck of(String lesson, String fileName) {
        Path web = Repository.root().resolve("web");
        Path page = web.resolve(lesson).resolve(fileName);
        try {
            Document document = Jsoup.parse(page.toFile(), "UTF-8");
            StringBuilder scripts = new StringBuilder();
            for (Element tag : document.select("script")) {
                String src = tag.attr("src");
                if (src.isEmpty()) {
                    scripts.append(tag.data()).append('\n');
                } else if (src.startsWith("/")) {
                    // "/assets/x.js" is served from web/assets/x.js; anything else from the lesson's folder.
                    Path local = src.startsWith("/assets/") ? web.resolve(src.substring(1)) : web.resolve(lesson).resolve(src.substring(1));
                    scripts.append(Files.readString(local)).append('\n');
                } else if (!src.contains("://")) {
                    scripts.append(Files.readString(page.resolveSibling(src))).append('\n');
                }
            }
            return new PageCheck(page, document, scripts.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + page, e);
        }
    }

    public Document document() {
        return document;
    }

    /** All script text: inline scripts and the local files the page loads. */
    public String script() {
        return script;
    }

    /** The page opens {@code new EventSource("<path>")} (quotes of any kind). */
    public void assertOpensEventSource(String path) {
        Pattern opens = Pattern.compile("new\\s+EventSource\\(\\s*['\"`]" + Pattern.quote(path) + "['\"`]");
        if (!opens.matcher(script).find()) {
            throw new AssertionError(file + " should open new EventSource(\"" + path + "\") in its script.");
        }
    }

    /** The page listens for each named event type with {@code addEventListener("<type>", ...)}. */
    public void assertListensFor(String... types) {
        for (String type : types) {
            Pattern listens = Pattern.compile("addEventListener\\(\\s*['\"`]" + Pattern.quote(type) + "['\"`]");
            if (!listens.matcher(script).find()) {
                throw new AssertionError(file + " should listen for \"" + type + "\" events: addEventListener(\"" + type + "\", ...).");
            }
        }
    }

    /** Every element the script looks up by id exists in the page, and so do the ones named here. */
    public void assertElementsExist(String... ids) {
        Set<String> wanted = new LinkedHashSet<>(List.of(ids));
        Matcher lookup = ELEMENT_LOOKUPS.matcher(script);
        while (lookup.find()) {
            wanted.add(lookup.group(1) != null ? lookup.group(1) : lookup.group(2));
        }
        List<String> missing = new ArrayList<>();
        for (String id : wanted) {
            if (document.getElementById(id) == null) {
                missing.add(id);
            }
        }
        if (!missing.isEmpty()) {
            throw new AssertionError(file + " has no element with id " + missing + ", but its script writes to it.");
        }
    }

    /** Event data reaches the page as text ({@code textContent}), never parsed as HTML. */
    public void assertWritesTextOnly() {
        Matcher sink = HTML_SINKS.matcher(script);
        if (sink.find()) {
            throw new AssertionError(file + " uses '" + sink.group().trim() + "': event data must be written with "
                    + "textContent, or a message like <img src=x onerror=...> runs as code in every reader's page.");
        }
        if (!script.contains("textContent")) {
            throw new AssertionError(file + " should write event data with textContent.");
        }
    }
}
