package sse.polling;

/** A posted movie with the id the server gave it and when it was posted (epoch milliseconds). */
public record Movie(long id, String title, int year, long postedAt) {
}
