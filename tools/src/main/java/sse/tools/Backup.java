package sse.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * A new folder under {@code .backups/} (ignored by git) that keeps files before a tool replaces or
 * deletes them, at the same paths relative to the repository root. Every tool that writes into
 * {@code lessons/} saves what it replaces here first, and names the folder.
 */
final class Backup {

    static final String FOLDER = ".backups";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final Path root;
    private final Path folder;

    private Backup(Path root, Path folder) {
        this.root = root;
        this.folder = folder;
    }

    /** A folder {@code .backups/<what>-<date>-<time>[-n]/} that did not exist before. */
    static Backup create(Path root, String what) throws IOException {
        String name = what + "-" + LocalDateTime.now().format(STAMP);
        Path folder = root.resolve(FOLDER).resolve(name);
        for (int n = 2; Files.exists(folder); n++) {
            folder = root.resolve(FOLDER).resolve(name + "-" + n);
        }
        Files.createDirectories(folder);
        return new Backup(root, folder);
    }

    /** Copies the file (under the root) into the backup, at its relative path. */
    void save(Path file) throws IOException {
        Path copy = folder.resolve(root.relativize(file.toAbsolutePath().normalize()));
        Files.createDirectories(copy.getParent());
        Files.copy(file, copy, StandardCopyOption.COPY_ATTRIBUTES);
    }

    /** The folder, relative to the root, with forward slashes. */
    String display() {
        return Tools.display(root, folder) + "/";
    }
}
