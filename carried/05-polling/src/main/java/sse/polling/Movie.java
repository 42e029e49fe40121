// Lesson 05-polling's finished code, generated from solutions/05-polling/src/main/java/sse/polling/Movie.java: edit that file, then run ./mvnw -q -pl tools compile exec:java -Dexec.args="starters --write".
package sse.polling;

/** A posted movie with the id the server gave it and when it was posted (epoch milliseconds). */
public record Movie(long id, String title, int year, long postedAt) {
}
