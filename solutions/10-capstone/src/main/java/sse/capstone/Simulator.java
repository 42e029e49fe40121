package sse.capstone;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import sse.capstone.People.Point;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo's couriers, driven by a program so that the pages move by themselves. Each courier does
 * what a courier's app would, over the app's real HTTP API: signs in with the form, keeps its session
 * cookie, reads its deliveries ({@code GET /deliveries}), and posts where each one is
 * ({@code POST /positions}), a step further along its route each time, at most {@code perSecond}
 * posts a second (under the server's limit; a {@code 429} is waited out as its {@code Retry-After}
 * says). It runs in a process of its own and talks only to a server on this machine.
 */
public final class Simulator implements AutoCloseable {

    /** The most couriers and the longest run: a demo and a benchmark, never a flood. */
    static final int MAX_COURIERS = 1000;
    static final Duration MAX_RUN = Duration.ofMinutes(10);

    /** Told of every position the server took, with {@link System#nanoTime()} just before it was sent. */
    public interface Listener {
        void taken(String delivery, long id, long sentNanos);
    }

    /**
     * @param server    the app, e.g. {@code http://127.0.0.1:7070}
     * @param couriers  how many couriers drive: {@code courier1} to {@code courierN}
     * @param perSecond positions each courier posts a second (the server allows 5)
     * @param step      how far a delivery moves between two of its positions, in units of the map
     * @param runFor    when to stop, if the deliveries are not all at their doors by then
     */
    public record Settings(URI server, int couriers, double perSecond, double step, Duration runFor) {
    }

    /** One delivery as its courier drives it. */
    private static final class Parcel {
        final String id;
        final List<Point> route;
        int leg; // heading for route.get(leg + 1)
        double x;
        double y;
        volatile boolean delivered;

        Parcel(String id, List<Point> route, double x, double y, boolean delivered) {
            this.id = id;
            this.route = route;
            this.x = x;
            this.y = y;
            this.delivered = delivered;
            this.leg = nearestLeg(route, x, y);
        }

        /** Moves {@code step} along the route, through its corners, stopping at the door. */
        void advance(double step) {
            while (step > 0 && leg < route.size() - 1) {
                Point to = route.get(leg + 1);
                double left = Math.hypot(to.x() - x, to.y() - y);
                if (left <= step) {
                    x = to.x();
                    y = to.y();
                    leg++;
                    step -= left;
                } else {
                    x += (to.x() - x) * step / left;
                    y += (to.y() - y) * step / left;
                    step = 0;
                }
            }
        }
    }

    /** A courier: its session cookie and its deliveries, posted one after the other in turn. */
    private static final class Courier {
        final String name;
        final String cookie;
        final List<Parcel> parcels;
        int next;

        Courier(String name, String cookie, List<Parcel> parcels) {
            this.name = name;
            this.cookie = cookie;
            this.parcels = parcels;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Settings settings;
    private final Listener listener;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "simulator");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicLong taken = new AtomicLong();
    private final AtomicLong tooMany = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final List<Courier> couriers = new ArrayList<>();
    private volatile long stopAt;

    public Simulator(Settings settings, Listener listener) {
        if (settings.couriers() < 1 || settings.couriers() > MAX_COURIERS) {
            throw new IllegalArgumentException("couriers: 1 to " + MAX_COURIERS + ", not " + settings.couriers());
        }
        if (settings.runFor().compareTo(MAX_RUN) > 0 || settings.perSecond() <= 0 || settings.step() <= 0) {
            throw new IllegalArgumentException("a run of at most " + MAX_RUN.toMinutes() + " minutes, a rate and a step above 0");
        }
        requireLoopback(settings.server());
        this.settings = settings;
        this.listener = listener;
    }

    /** Signs every courier in and reads their deliveries; nothing is posted yet. */
    public Simulator signIn() throws IOException, InterruptedException {
        for (int i = 1; i <= settings.couriers(); i++) {
            String name = "courier" + i;
            String cookie = signIn(http, settings.server(), name);
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(settings.server().resolve("/deliveries"))
                    .header("Cookie", cookie).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            List<Parcel> parcels = new ArrayList<>();
            for (JsonNode view : JSON.readTree(answer.body())) {
                if (!view.get("courier").asText().equals(name)) {
                    continue; // listed, but carried by another (a starter whose TODO 1 lets everyone see everything)
                }
                List<Point> route = new ArrayList<>();
                view.get("route").forEach(p -> route.add(new Point(p.get("x").asDouble(), p.get("y").asDouble())));
                parcels.add(new Parcel(view.get("id").asText(), route, view.get("x").asDouble(), view.get("y").asDouble(),
                        view.get("status").asText().equals("delivered")));
            }
            couriers.add(new Courier(name, cookie, parcels));
        }
        return this;
    }

    /** The sign-in form, as a browser posts it; returns the session cookie, {@code name=value}. */
    static String signIn(HttpClient http, URI server, String name) throws IOException, InterruptedException {
        String form = "name=" + URLEncoder.encode(name, StandardCharsets.UTF_8) + "&password="
                + URLEncoder.encode(People.DEMO_PASSWORD, StandardCharsets.UTF_8);
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(server.resolve("/signin"))
                .header("Content-Type", "application/x-www-form-urlencoded").timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        String setCookie = answer.headers().firstValue("Set-Cookie").orElse("");
        if (answer.statusCode() != 303 || !setCookie.startsWith(Sessions.COOKIE + "=")) {
            throw new IOException("could not sign in as " + name + ": " + answer.statusCode() + " " + answer.body()
                    + " (is the server's list that long? see -Dcouriers and -Dcustomers in docs/10-capstone.md)");
        }
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    /** Starts driving: each courier posts every 1/perSecond seconds, the first ones spread over that time. */
    public void start() {
        stopAt = System.nanoTime() + settings.runFor().toNanos();
        long every = (long) (1e9 / settings.perSecond());
        for (int i = 0; i < couriers.size(); i++) {
            Courier courier = couriers.get(i);
            timer.schedule(() -> post(courier, every), every * i / couriers.size(), TimeUnit.NANOSECONDS);
        }
    }

    /** Posts the courier's next delivery one step on; when the answer comes, schedules the next post. */
    private void post(Courier courier, long every) {
        Parcel parcel = nextOf(courier);
        if (parcel == null || System.nanoTime() - stopAt >= 0) {
            return; // this courier is done
        }
        double x = parcel.x;
        double y = parcel.y;
        parcel.advance(settings.step());
        String body = String.format(Locale.ROOT, "{\"delivery\": \"%s\", \"x\": %.2f, \"y\": %.2f}", parcel.id, parcel.x, parcel.y);
        long sent = System.nanoTime();
        http.sendAsync(HttpRequest.newBuilder(settings.server().resolve("/positions")).header("Cookie", courier.cookie)
                        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString())
                .whenComplete((answer, error) -> {
                    long wait = every - (System.nanoTime() - sent);
                    if (error != null) {
                        failed.incrementAndGet();
                        parcel.x = x; // not taken: post this step again
                        parcel.y = y;
                    } else if (answer.statusCode() == 202) {
                        taken.incrementAndGet();
                        listener.taken(parcel.id, idOf(answer.body()), sent);
                        parcel.delivered = atDoor(parcel);
                    } else if (answer.statusCode() == 429) {
                        tooMany.incrementAndGet();
                        parcel.x = x;
                        parcel.y = y;
                        wait = Math.max(wait, TimeUnit.SECONDS.toNanos(
                                Long.parseLong(answer.headers().firstValue("Retry-After").orElse("1"))));
                    } else if (answer.statusCode() == 409) {
                        parcel.delivered = true; // at its door already
                    } else {
                        failed.incrementAndGet(); // a 403, a 404: this one is not to be driven
                        parcel.x = x;
                        parcel.y = y;
                        parcel.delivered = true;
                    }
                    if (!timer.isShutdown()) {
                        timer.schedule(() -> post(courier, every), Math.max(0, wait), TimeUnit.NANOSECONDS);
                    }
                });
    }

    private static Parcel nextOf(Courier courier) {
        for (int tried = 0; tried < courier.parcels.size(); tried++) {
            Parcel parcel = courier.parcels.get(courier.next);
            courier.next = (courier.next + 1) % courier.parcels.size();
            if (!parcel.delivered) {
                return parcel;
            }
        }
        return null;
    }

    private static boolean atDoor(Parcel parcel) {
        Point door = parcel.route.get(parcel.route.size() - 1);
        return Math.hypot(door.x() - parcel.x, door.y() - parcel.y) <= TrackerApp.ARRIVED_WITHIN;
    }

    /** Whether every courier has stopped: the time is up, or every delivery is at its door. */
    public boolean finished() {
        return System.nanoTime() - stopAt >= 0
                || couriers.stream().allMatch(c -> c.parcels.stream().allMatch(p -> p.delivered));
    }

    public long taken() {
        return taken.get();
    }

    public long tooMany() {
        return tooMany.get();
    }

    public long failed() {
        return failed.get();
    }

    public int deliveries() {
        return couriers.stream().mapToInt(c -> c.parcels.size()).sum();
    }

    public long delivered() {
        return couriers.stream().flatMap(c -> c.parcels.stream()).filter(p -> p.delivered).count();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** The leg of the route nearest to (x, y): where a delivery moved by an earlier run goes on from. */
    private static int nearestLeg(List<Point> route, double x, double y) {
        int best = 0;
        double bestDistance = Double.MAX_VALUE;
        for (int leg = 0; leg < route.size() - 1; leg++) {
            Point a = route.get(leg);
            Point b = route.get(leg + 1);
            double dx = b.x() - a.x();
            double dy = b.y() - a.y();
            double t = dx == 0 && dy == 0 ? 0 : Math.max(0, Math.min(1, ((x - a.x()) * dx + (y - a.y()) * dy) / (dx * dx + dy * dy)));
            double distance = Math.hypot(a.x() + t * dx - x, a.y() + t * dy - y);
            if (distance < bestDistance) {
                best = leg;
                bestDistance = distance;
            }
        }
        return best;
    }

    private static long idOf(String body) {
        try {
            return JSON.readTree(body).get("id").asLong();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Refuses any server that is not on this machine: the simulator is for a local demo. */
    static void requireLoopback(URI server) {
        try {
            if (server.getHost() == null || !InetAddress.getByName(server.getHost()).isLoopbackAddress()) {
                throw new IllegalArgumentException("only a server on this machine (127.0.0.1, localhost, ::1), not " + server);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("unknown host in " + server, e);
        }
    }

    /**
     * {@code --url http://127.0.0.1:7070 --couriers 3 --rate 2 --step 15 --seconds 300}: drives the
     * couriers until every delivery is at its door or the time is up, with a line every 5 seconds.
     */
    public static void main(String[] args) throws Exception {
        URI server = URI.create("http://127.0.0.1:7070");
        int count = 3;
        double rate = 2;
        double step = 15;
        long seconds = 300;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--url" -> server = URI.create(args[i + 1]);
                case "--couriers" -> count = Integer.parseInt(args[i + 1]);
                case "--rate" -> rate = Double.parseDouble(args[i + 1]);
                case "--step" -> step = Double.parseDouble(args[i + 1]);
                case "--seconds" -> seconds = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; the options are --url, --couriers, --rate, --step, --seconds");
            }
        }
        try (Simulator simulator = new Simulator(new Settings(server, count, rate, step, Duration.ofSeconds(seconds)),
                (delivery, id, sent) -> { })) {
            simulator.signIn().start();
            System.out.printf(Locale.ROOT, "%d couriers drive %d deliveries on %s, %.1f positions a second each%n",
                    count, simulator.deliveries(), server, rate);
            while (!simulator.finished()) {
                TimeUnit.SECONDS.sleep(5);
                System.out.printf(Locale.ROOT, "positions taken %d, refused with 429: %d, failed %d; delivered %d of %d%n",
                        simulator.taken(), simulator.tooMany(), simulator.failed(), simulator.delivered(), simulator.deliveries());
            }
        }
    }
}
