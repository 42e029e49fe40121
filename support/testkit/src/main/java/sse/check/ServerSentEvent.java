package sse.check;

/**
 * One event as a browser's EventSource would dispatch it.
 *
 * @param type        the event type: the last {@code event:} field, or {@code "message"}
 * @param data        the {@code data:} lines joined with {@code \n}
 * @param lastEventId the last event ID at dispatch time (carried over from earlier events), {@code ""} if none
 */
public record ServerSentEvent(String type, String data, String lastEventId) {
}
