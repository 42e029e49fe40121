package sse.production;

/** What every client receives: a posted movie with the id the server gave it. */
public record Movie(long id, String title, int year) {
}
