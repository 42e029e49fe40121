// Lesson 08-production's finished code, generated from solutions/08-production/src/main/java/sse/production/Movie.java: edit that file, then run ./mvnw -q -pl tools compile exec:java -Dexec.args="starters --write".
package sse.production;

/** What every client receives: a posted movie with the id the server gave it. */
public record Movie(long id, String title, int year) {
}
