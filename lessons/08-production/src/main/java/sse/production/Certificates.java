package sse.production;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The lesson's TLS certificate for {@code localhost}: self-signed, made on first start with the JDK's
 * own {@code keytool} (every JDK has it, so nothing to install), and kept in a git-ignored file so a
 * browser that was told to trust it once keeps trusting it. For teaching on one machine only.
 */
final class Certificates {

    /** The key store's password: the file protects nothing worth a secret, it is a local test certificate. */
    static final String PASSWORD = "sse-workshop";
    private static final long KEYTOOL_TIMEOUT_SECONDS = 60;

    private Certificates() {
    }

    /** The PKCS#12 key store at {@code file}, made first if it does not exist. */
    static Path localhost(Path file) throws IOException {
        if (Files.isRegularFile(file)) {
            return file;
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        // Named after this process: two lessons starting at once each make their own, and one wins.
        Path partial = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + ".partial");
        Files.deleteIfExists(partial);
        String keytool = Path.of(System.getProperty("java.home"), "bin",
                System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("windows") ? "keytool.exe" : "keytool").toString();
        List<String> command = List.of(keytool, "-genkeypair", "-alias", "localhost",
                "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "825",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1,ip:::1",
                "-keystore", partial.toString(), "-storetype", "PKCS12",
                "-storepass", PASSWORD, "-keypass", PASSWORD);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("keytool did not finish within " + KEYTOOL_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while keytool made the certificate", e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (process.exitValue() != 0) {
            throw new IOException("keytool could not make the certificate (exit " + process.exitValue() + "): " + output);
        }
        // Moved into place only when complete, so a half-made file is never taken for a certificate.
        try {
            Files.move(partial, file);
        } catch (FileAlreadyExistsException madeMeanwhile) {
            Files.delete(partial);
        }
        return file;
    }
}
