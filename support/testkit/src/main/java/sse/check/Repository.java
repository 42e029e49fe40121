package sse.check;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository's root from wherever the tests run (a module folder under Maven). */
public final class Repository {

    private Repository() {
    }

    /** The nearest folder upward from the working directory that holds {@code web/assets} and {@code pom.xml}. */
    public static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("web").resolve("assets")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the repository root (a folder with web/assets and pom.xml) above "
                + Path.of("").toAbsolutePath());
    }
}
