package sse.capstone;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import sse.support.MediaType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;

/**
 * A courier's position as posted, {@code {"delivery": "d-...", "x": 512.5, "y": 300}}, read as lesson 04
 * reads a movie: one {@code Content-Type: application/json}, a body within a size limit, strict UTF-8,
 * one JSON value, and every field checked by hand. Whether the delivery exists and is this courier's
 * is the app's to check.
 */
public record PostedPosition(String delivery, double x, double y) {

    static final int MAX_ID_LENGTH = 40;

    private static final ObjectMapper STRICT_JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** The request's body as a position, or a {@link Rejected} (400, 413 or 415) that says why not. */
    public static PostedPosition from(Context ctx, int maxBodyBytes) {
        List<String> types = Collections.list(ctx.req().getHeaders("Content-Type"));
        if (types.size() != 1 || !isJson(types.get(0))) {
            throw new Rejected(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "send JSON in UTF-8 with Content-Type: application/json");
        }
        if (ctx.req().getContentLengthLong() > maxBodyBytes) {
            throw tooLarge(maxBodyBytes);
        }
        byte[] body;
        try {
            body = ctx.req().getInputStream().readNBytes(maxBodyBytes + 1);
        } catch (IOException e) {
            throw bad("the body could not be read");
        }
        if (body.length > maxBodyBytes) {
            throw tooLarge(maxBodyBytes);
        }
        JsonNode json;
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
            json = STRICT_JSON.readTree(text);
        } catch (CharacterCodingException e) {
            throw bad("the body is not valid UTF-8");
        } catch (JacksonException e) {
            throw bad("the body is not valid JSON");
        }
        return validate(json);
    }

    static PostedPosition validate(JsonNode json) {
        if (json == null || !json.isObject()) {
            throw bad("send an object like {\"delivery\": \"d-...\", \"x\": 512.5, \"y\": 300}");
        }
        JsonNode delivery = json.get("delivery");
        if (delivery == null || !delivery.isTextual() || delivery.textValue().isEmpty()
                || delivery.textValue().length() > MAX_ID_LENGTH) {
            throw bad("delivery must be a delivery's id, a string of 1 to " + MAX_ID_LENGTH + " characters");
        }
        return new PostedPosition(delivery.textValue(), coordinate(json, "x"), coordinate(json, "y"));
    }

    private static double coordinate(JsonNode json, String name) {
        JsonNode value = json.get(name);
        if (value == null || !value.isNumber()) {
            throw bad(name + " must be a number from 0 to " + (int) People.SIZE);
        }
        double number = value.doubleValue();
        if (!Double.isFinite(number) || number < 0 || number > People.SIZE) {
            throw bad(name + " must be from 0 to " + (int) People.SIZE + ", not " + value);
        }
        return number;
    }

    private static boolean isJson(String contentType) {
        try {
            MediaType type = MediaType.parse(contentType);
            List<String> charsets = type.values("charset");
            return type.is("application", "json")
                    && (charsets.isEmpty() || (charsets.size() == 1 && charsets.get(0).equalsIgnoreCase("utf-8")));
        } catch (MediaType.Invalid e) {
            return false;
        }
    }

    private static Rejected bad(String message) {
        return new Rejected(HttpStatus.BAD_REQUEST, message);
    }

    private static Rejected tooLarge(int maxBodyBytes) {
        return new Rejected(HttpStatus.CONTENT_TOO_LARGE, "the body is larger than " + maxBodyBytes + " bytes");
    }
}
