package sse.capstone;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Who may sign in, and the deliveries: a small list built in, so the capstone needs no identity
 * provider and no database. Customers {@code customer1} ..., couriers {@code courier1} ..., one
 * {@code dispatcher}; every password is {@code demo} (a demo: never ship a list like this).
 * Each customer has one delivery, carried by courier {@code (n - 1) % couriers + 1}, along a route
 * in a 1000 by 1000 square drawn the same on every run.
 */
public final class People {

    /** What a person may do. */
    public enum Role { CUSTOMER, COURIER, DISPATCHER }

    /** Someone who may sign in. */
    public record User(String name, Role role) {
    }

    /** A point of the square, 0 to 1000 on both axes. */
    public record Point(double x, double y) {
    }

    /** A parcel on its way: its (unguessable) id, who receives it, who carries it, and its route. */
    public record Delivery(String id, String customer, String courier, List<Point> route) {
    }

    static final String DEMO_PASSWORD = "demo";
    static final double SIZE = 1000;

    private final Map<String, User> users = new LinkedHashMap<>();
    private final Map<String, Delivery> deliveries = new LinkedHashMap<>();

    private People() {
    }

    /** The demo: 3 couriers, 6 customers. */
    public static People demo() {
        return of(3, 6);
    }

    /** {@code couriers} couriers and {@code customers} customers, one delivery each; the same on every run. */
    public static People of(int couriers, int customers) {
        if (couriers < 1 || customers < 1) {
            throw new IllegalArgumentException("at least one courier and one customer");
        }
        People people = new People();
        people.add(new User("dispatcher", Role.DISPATCHER));
        for (int i = 1; i <= couriers; i++) {
            people.add(new User("courier" + i, Role.COURIER));
        }
        Random random = new Random(10); // the same routes on every run, and on every instance
        for (int i = 1; i <= customers; i++) {
            people.add(new User("customer" + i, Role.CUSTOMER));
            // The id says nothing about the customer and cannot be counted through: 64 random bits.
            String id = "d-" + Long.toHexString(random.nextLong() | Long.MIN_VALUE);
            people.deliveries.put(id, new Delivery(id, "customer" + i, "courier" + ((i - 1) % couriers + 1), route(random)));
        }
        return people;
    }

    private void add(User user) {
        users.put(user.name(), user);
    }

    /** A route of five points from a depot near the middle to the customer's door. */
    private static List<Point> route(Random random) {
        List<Point> points = new ArrayList<>();
        double x = 450 + random.nextInt(100);
        double y = 450 + random.nextInt(100);
        points.add(new Point(x, y));
        for (int leg = 0; leg < 4; leg++) {
            x = Math.max(20, Math.min(SIZE - 20, x + random.nextInt(401) - 200));
            y = Math.max(20, Math.min(SIZE - 20, y + random.nextInt(401) - 200));
            points.add(new Point(x, y));
        }
        return List.copyOf(points);
    }

    /** The user with this name and password, if there is one; the password is compared in constant time. */
    public Optional<User> signIn(String name, String password) {
        User user = name == null ? null : users.get(name);
        byte[] given = String.valueOf(password).getBytes(StandardCharsets.UTF_8);
        boolean right = MessageDigest.isEqual(given, DEMO_PASSWORD.getBytes(StandardCharsets.UTF_8));
        return user != null && right ? Optional.of(user) : Optional.empty();
    }

    public Optional<Delivery> delivery(String id) {
        return Optional.ofNullable(id == null ? null : deliveries.get(id));
    }

    public List<Delivery> deliveries() {
        return List.copyOf(deliveries.values());
    }

    public List<User> users() {
        return List.copyOf(users.values());
    }
}
