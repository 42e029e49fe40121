package sse.support;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Every error a lesson answers has one shape, {@code {"error": "what was wrong"}}, including those
 * that never reach Javalin: Jetty refuses a request it cannot read (a negative or huge
 * {@code Content-Length}, {@code Content-Length} together with chunked encoding, a bad request line)
 * itself, and its own error page is HTML. {@link #jettyHandler()} makes it JSON too.
 */
public final class JsonErrors {

    private JsonErrors() {
    }

    /** {@code {"error": message}}, with the message escaped as a JSON string. */
    public static String body(String message) {
        StringBuilder json = new StringBuilder("{\"error\":\"");
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                default -> {
                    if (c < 0x20 || Character.isSurrogate(c) || c == 0x7F) {
                        json.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append("\"}").toString();
    }

    /** Jetty's error handler, answering with the lessons' JSON instead of an HTML page. */
    public static ErrorHandler jettyHandler() {
        return new ErrorHandler() {
            @Override
            protected boolean generateAcceptableResponse(Request request, Response response, Callback callback,
                                                         String contentType, List<Charset> charsets, int code,
                                                         String message, Throwable cause) {
                String words = message == null || message.isBlank() ? "the request could not be read" : message;
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                response.write(true, ByteBuffer.wrap(body("the request is malformed (" + code + "): " + words)
                        .getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
        };
    }
}
