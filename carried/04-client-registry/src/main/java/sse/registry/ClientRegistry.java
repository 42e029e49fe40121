// Lesson 04-client-registry's finished code, generated from solutions/04-client-registry/src/main/java/sse/registry/ClientRegistry.java: edit that file, then run ./mvnw -q -pl tools compile exec:java -Dexec.args="starters --write".
package sse.registry;

import io.javalin.http.sse.SseClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * The clients that are connected right now, so that one event can go to all of them.
 *
 * <p>Safe to use from any thread. Clients join on Javalin's threads; they leave on whichever thread
 * wrote to them and failed, which is often a broadcast's own: Javalin calls {@code onClose} from
 * inside {@code sendEvent}, so a client is removed from this set while {@link #broadcast} is looping
 * over it. And {@code GET /clients} counts them on yet another thread.
 *
 * <p>Why a {@link CopyOnWriteArraySet}: a loop over it walks the array as it was when the loop began.
 * A client removed during the loop does not disturb it (no {@code ConcurrentModificationException},
 * nobody skipped, nobody visited twice), and a client that joins during the loop gets the next event,
 * not this one. Reading takes no lock and costs nothing. The price is paid on writes: every add and
 * remove copies the array, which suits a feed that writes to its clients far more often than clients
 * come and go. A plain {@code HashSet} or {@code ArrayList} breaks the first time a client leaves
 * during a broadcast; {@code ConcurrentHashMap.newKeySet()} would also be safe, with cheaper joins
 * and a loop that may or may not see a change made while it runs.
 *
 * <p>The registry does not decide the order of events: two threads may broadcast at once. The app
 * holds one lock around everything it writes (see {@code RegistryApp.publish}).
 */
public final class ClientRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(ClientRegistry.class);

    private final Set<SseClient> clients = new CopyOnWriteArraySet<>();

    public void add(SseClient client) {
        clients.add(client);
    }

    public void remove(SseClient client) {
        clients.remove(client);
    }

    /** How many clients are registered now. */
    public int count() {
        return clients.size();
    }

    /**
     * Sends one event to every registered client.
     *
     * @return how many clients it was written to (those still connected after the write)
     */
    public int broadcast(String event, Object data, String id) {
        // Lesson 04, TODO 3 (done): send the event to every client in the registry and count those it reached.
        //   A client that has gone makes sendEvent close it, and its onClose removes it from this
        //   set while the loop runs: the set is made for that. ping() below is a loop like it.
        int sent = 0;
        for (SseClient client : clients) {
            if (deliver(client, () -> client.sendEvent(event, data, id))) {
                sent++;
            }
        }
        return sent;
    }

    /** A comment line, {@code : ping}, to every client: a write is the only way to find out who has gone. */
    public void ping() {
        for (SseClient client : clients) {
            deliver(client, () -> client.sendComment("ping"));
        }
    }

    /**
     * Ends every client's stream, as a deploy or a network blip would: a browser reconnects by itself.
     * Also used when the server stops: Javalin's {@code stop()} does not call {@code onClose}.
     *
     * @return how many streams were ended
     */
    public int closeAll() {
        int closed = 0;
        for (SseClient client : clients) {
            clients.remove(client);
            client.close();
            closed++;
        }
        return closed;
    }

    /**
     * One client's write. Whatever goes wrong with it must not stop the loop for the others: a write
     * that throws leaves the stream half written, so that client is closed (its browser reconnects).
     *
     * @return whether the client is still connected
     */
    private static boolean deliver(SseClient client, Runnable write) {
        try {
            write.run();
        } catch (RuntimeException e) {
            LOG.warn("Closing a client whose write failed: {}", e.toString());
            client.close();
        }
        return !client.terminated();
    }
}
