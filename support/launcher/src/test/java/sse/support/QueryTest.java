package sse.support;

import io.javalin.Javalin;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class QueryTest {

    @Test
    @DisplayName("values in order, decoded as UTF-8; a bare name is empty; what does not decode is left out")
    void values() {
        assertEquals(List.of("1", "2"), Query.values("after=1&x=3&after=2", "after"));
        assertEquals(List.of("a b", "é", "+"), Query.values("q=a+b&q=%C3%A9&q=%2B", "q"));
        assertEquals(List.of(""), Query.values("after", "after"));
        assertEquals(List.of(""), Query.values("after=", "after"));
        assertEquals(List.of("5"), Query.values("after=%zz&after=5&%zz=1", "after"));
        assertEquals(List.of("x"), Query.values("l%61stEventId=x", "lastEventId"));
        assertEquals(List.of(), Query.values((String) null, "after"));
        assertEquals(List.of(), Query.values("", "after"));
        assertEquals(List.of(), Query.values("afterx=1&xafter=2", "after"));
    }

    // Javalin's own queryParam decodes with the Content-Type's charset: "text/plain; charset" made it
    // answer 500, "charset=x" made it drop every parameter.
    @ParameterizedTest(name = "Content-Type: [{0}]")
    @ValueSource(strings = {"text/plain; charset", "charset=x", "application/json; charset=ebcdic", "text/event-stream; charset=\"utf-8",
            "charset", ";;;"})
    @DisplayName("over HTTP: what a GET's Content-Type says changes nothing")
    void contentTypeChangesNothing(String contentType) throws Exception {
        Javalin app = Javalin.create(config -> config.routes.get("/", ctx -> ctx.result(Query.values(ctx, "after") + " " + Query.first(ctx, "q"))));
        app.start("127.0.0.1", 0);
        try {
            HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + app.port() + "/?after=41&q=%C3%A9t%C3%A9&after=42"))
                    .timeout(Duration.ofSeconds(5)).header("Content-Type", contentType).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answer.statusCode(), answer.body());
            assertEquals("[41, 42] été", answer.body());
        } finally {
            app.stop();
        }
    }
}
