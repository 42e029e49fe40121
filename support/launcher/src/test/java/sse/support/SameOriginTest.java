package sse.support;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class SameOriginTest {

    @Test
    @DisplayName("no Origin and no Sec-Fetch-Site (curl, a program) and the page's own origin are let through")
    void allowed() {
        assertNull(SameOrigin.problem(null, null, "http", "127.0.0.1:7070"));
        assertNull(SameOrigin.problem("http://127.0.0.1:7070", "same-origin", "http", "127.0.0.1:7070"));
        assertNull(SameOrigin.problem("HTTP://LOCALHOST:7070", null, "http", "localhost:7070"));
        assertNull(SameOrigin.problem("http://192.0.2.7:7070", null, "http", "192.0.2.7:7070"), "-Dhost=0.0.0.0");
        assertNull(SameOrigin.problem("http://example.test", null, "http", "example.test:80"), "the default port");
        assertNull(SameOrigin.problem(null, "none", "http", "localhost:7070"), "typed into the address bar");
    }

    @Test
    @DisplayName("another origin, another port, another scheme, a missing Host or a cross-site fetch are refused")
    void refused() {
        assertNotNull(SameOrigin.problem("http://evil.test", null, "http", "localhost:7070"));
        assertNotNull(SameOrigin.problem("http://localhost:5173", null, "http", "localhost:7070"));
        assertNotNull(SameOrigin.problem("https://localhost:7070", null, "http", "localhost:7070"));
        assertNotNull(SameOrigin.problem("null", null, "http", "localhost:7070"), "a sandboxed page or a file");
        assertNotNull(SameOrigin.problem("http://localhost:7070", null, "http", null));
        assertNotNull(SameOrigin.problem(null, "cross-site", "http", "localhost:7070"));
        assertNotNull(SameOrigin.problem(null, "same-site", "http", "localhost:7070"));
    }
}
