// Lesson 09-scale-out's finished code, generated from solutions/09-scale-out/src/main/java/sse/scaleout/RedisBroker.java: edit that file, then run ./mvnw -q -pl tools compile exec:java -Dexec.args="starters --write".
package sse.scaleout;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The broker of several instances: a Redis stream. Every movie is appended to one stream, with an id
 * that one counter gives out, so ids are global: movie 42 is movie 42 on every instance. Each instance
 * reads the stream from where it is and sends each new entry to its own clients; a client that comes
 * back to <em>any</em> instance is replayed from that instance's copy of the stream. The stream is
 * capped (trimmed), like lesson 07's history.
 *
 * <p>Redis must keep what it acknowledged: run it with {@code appendonly yes} and {@code appendfsync
 * always} (the lesson's cluster does), or a crash of Redis can lose the last movies it answered for.
 */
public final class RedisBroker implements Broker {

    private static final Logger LOG = LoggerFactory.getLogger(RedisBroker.class);
    static final String STREAM = "feed:movies";
    static final String COUNTER = "feed:last-id";
    /** How long one XREAD waits for new entries before it asks again (and notices a close). */
    static final int BLOCK_MILLIS = 1000;
    private static final int READ_BATCH = 500;

    /**
     * Numbers and appends in one step, inside Redis: two instances posting at once can never append
     * out of order, because a script runs alone. The entry's id is {@code <number>-0}; MAXLEN ~ trims
     * the oldest entries (in whole blocks, so a few more than the cap may stay).
     */
    static final String APPEND = String.join("\n",
            "local id = redis.call('INCR', KEYS[2])",
            "redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], id .. '-0', 'title', ARGV[2], 'year', ARGV[3])",
            "return id");

    private final HostAndPort address;
    private final int database;
    private final JedisClientConfig config;
    private final RedisClient redis; // a pool of connections, for posts and reads
    private final int capacity;
    private final List<Thread> readers = new CopyOnWriteArrayList<>();
    private final List<Jedis> readerConnections = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /**
     * @param uri      {@code redis://host:port}, or {@code redis://host:port/2} for database 2
     * @param capacity how many movies the stream keeps, at least
     */
    public RedisBroker(URI uri, int capacity) {
        if (!"redis".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 1) {
            throw new IllegalArgumentException("a Redis address looks like redis://127.0.0.1:6379, not " + uri);
        }
        this.address = new HostAndPort(uri.getHost(), uri.getPort());
        this.database = uri.getPath() == null || uri.getPath().length() <= 1 ? 0 : Integer.parseInt(uri.getPath().substring(1));
        // Short timeouts: a POST waits at most this long for a Redis that has gone, then answers 503.
        this.config = DefaultJedisClientConfig.builder().database(database)
                .connectionTimeoutMillis(1000).socketTimeoutMillis(2000).build();
        this.redis = RedisClient.builder().hostAndPort(address).clientConfig(config).build();
        this.capacity = capacity;
    }

    @Override
    public Stored publish(String title, int year) {
        try {
            // Lesson 09, TODO 1 (done): append the movie to the stream, numbered, in one step: run the APPEND script with
            //   redis.eval(script, keys, args): keys STREAM and COUNTER (in that order), args the cap
            //   (String.valueOf(capacity)), the title and the year as a string. It returns the id (a Long).
            Object id = redis.eval(APPEND, List.of(STREAM, COUNTER), List.of(String.valueOf(capacity), title, String.valueOf(year)));
            return new Stored((Long) id, title, year);
        } catch (JedisException e) {
            // Not stored, or not known to be: the poster is told so and may post again.
            throw new Unavailable("the broker (Redis) did not answer: nothing was published; post again in a moment", e);
        }
    }

    @Override
    public void subscribe(long after, Consumer<Stored> listener) {
        Thread reader = new Thread(() -> read(after, listener), "redis-reader");
        reader.setDaemon(true);
        readers.add(reader);
        reader.start();
    }

    /** The reader's loop: XREAD what comes after the last entry it handed on, for as long as the broker is open. */
    private void read(long after, Consumer<Stored> listener) {
        long last = after;
        long backoff = 100;
        while (!closed) {
            Jedis connection = null;
            try {
                // Its own connection: an XREAD that blocks would hold one of the pool's for a second.
                connection = new Jedis(address, DefaultJedisClientConfig.builder().database(database)
                        .connectionTimeoutMillis(1000).socketTimeoutMillis(BLOCK_MILLIS + 2000).build());
                readerConnections.add(connection);
                while (!closed) {
                    List<Map.Entry<String, List<StreamEntry>>> answer = connection.xread(
                            XReadParams.xReadParams().block(BLOCK_MILLIS).count(READ_BATCH),
                            Map.of(STREAM, new StreamEntryID(last, 0)));
                    backoff = 100;
                    if (answer == null) {
                        continue; // nothing new within BLOCK_MILLIS
                    }
                    for (Map.Entry<String, List<StreamEntry>> stream : answer) {
                        for (StreamEntry entry : stream.getValue()) {
                            // Lesson 09, TODO 2 (done): hand the entry on: its id is entry.getID().getTime() (the number before
                            //   the "-0"), its fields are "title" and "year" (entry.getFields()). Call
                            //   listener.accept(new Stored(...)) and remember the id in last, so the next
                            //   XREAD asks for what comes after it.
                            Map<String, String> fields = entry.getFields();
                            Stored movie = new Stored(entry.getID().getTime(), fields.get("title"), Integer.parseInt(fields.get("year")));
                            listener.accept(movie);
                            last = movie.id();
                        }
                    }
                }
            } catch (JedisException | IllegalStateException e) {
                if (closed) {
                    return;
                }
                LOG.warn("Reading from Redis failed ({}); trying again in {} ms", e.getMessage(), backoff);
                sleep(backoff);
                backoff = Math.min(backoff * 2, 2000);
            } catch (RuntimeException e) {
                LOG.warn("A movie from Redis could not be handed on: {}", e.toString());
                sleep(backoff);
            } finally {
                if (connection != null) {
                    readerConnections.remove(connection);
                    try {
                        connection.close();
                    } catch (RuntimeException alreadyBroken) {
                        // a connection to a Redis that has gone may fail to close: it is closed either way
                    }
                }
            }
        }
    }

    @Override
    public Optional<List<Stored>> after(long id) {
        try {
            List<StreamEntry> oldest = redis.xrange(STREAM, "-", "+", 1);
            if (!oldest.isEmpty() && oldest.get(0).getID().getTime() > id + 1) {
                return Optional.empty(); // trimmed: some movies after id are gone
            }
            List<Stored> movies = new ArrayList<>();
            for (StreamEntry entry : redis.xrange(STREAM, (id + 1) + "-0", "+")) {
                Map<String, String> fields = entry.getFields();
                movies.add(new Stored(entry.getID().getTime(), fields.get("title"), Integer.parseInt(fields.get("year"))));
            }
            return Optional.of(movies);
        } catch (JedisException e) {
            throw new Unavailable("the broker (Redis) did not answer", e);
        }
    }

    @Override
    public long newestId() {
        try {
            String value = redis.get(COUNTER);
            return value == null ? 0 : Long.parseLong(value);
        } catch (JedisException e) {
            throw new Unavailable("the broker (Redis) did not answer", e);
        }
    }

    @Override
    public boolean healthy() {
        try {
            return "PONG".equals(redis.ping());
        } catch (JedisException e) {
            return false;
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread reader : readers) {
            reader.interrupt();
        }
        for (Jedis connection : readerConnections) {
            try {
                connection.disconnect(); // ends a blocked XREAD at once
            } catch (RuntimeException ignored) {
                // closing anyway
            }
        }
        for (Thread reader : readers) {
            try {
                reader.join(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        redis.close();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
