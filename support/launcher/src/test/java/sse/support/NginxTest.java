package sse.support;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The nginx runner's parts that need no nginx: finding the program, and the config it writes. */
class NginxTest {

    @Test
    @DisplayName("a missing nginx fails loudly, saying how to install it")
    void missingProgramSaysHowToInstall(@TempDir Path empty) {
        IllegalStateException none = assertThrows(IllegalStateException.class,
                () -> Nginx.find(null, "NGINX_BIN", empty.toString(), List.of(empty.resolve("nginx"))));
        assertTrue(none.getMessage().contains("nginx was not found"), none.getMessage());
        assertTrue(none.getMessage().contains("sudo apt-get install nginx"), none.getMessage());
        assertTrue(none.getMessage().contains("brew install nginx"), none.getMessage());

        IllegalStateException wrong = assertThrows(IllegalStateException.class,
                () -> Nginx.find(empty.resolve("nowhere").toString(), "-Dnginx.binary", "", List.of()));
        assertTrue(wrong.getMessage().contains("-Dnginx.binary is set to "), wrong.getMessage());
        assertTrue(wrong.getMessage().contains("sudo apt-get install nginx"), wrong.getMessage());
    }

    @Test
    @DisplayName("nginx is found on the PATH before the usual places")
    void foundOnThePath(@TempDir Path dir) throws IOException {
        Path onPath = Files.createDirectories(dir.resolve("bin")).resolve(isWindows() ? "nginx.exe" : "nginx");
        Files.writeString(onPath, "");
        assertTrue(onPath.toFile().setExecutable(true));
        assertEquals(onPath, Nginx.find(null, "NGINX_BIN", onPath.getParent().toString(), List.of(dir.resolve("sbin/nginx"))));
        assertEquals(onPath, Nginx.find(" ", "NGINX_BIN", "", List.of(onPath)), "a blank setting counts as none");
    }

    @Test
    @DisplayName("the config it writes has exactly the settings asked for, and proxies only to loopback")
    void config() {
        URI lesson = URI.create("http://127.0.0.1:7070/");
        String streams = Nginx.Proxy.forStreams().withReadTimeout(Duration.ofSeconds(2)).config(lesson);
        assertTrue(streams.contains("proxy_pass http://127.0.0.1:7070;"), streams);
        assertTrue(streams.contains("listen " + Nginx.LISTEN + ";"), streams);
        assertTrue(streams.contains("proxy_http_version 1.1;"), streams);
        assertTrue(streams.contains("proxy_set_header Connection \"\";"), streams);
        assertTrue(streams.contains("proxy_buffering off;"), streams);
        assertTrue(streams.contains("proxy_read_timeout 2000ms;"), streams);
        assertFalse(streams.contains("proxy_ignore_headers"), streams);

        String buffering = Nginx.Proxy.defaults().ignoringAccelBuffering().config(lesson);
        assertTrue(buffering.contains("proxy_http_version 1.0;"), buffering);
        assertTrue(buffering.contains("proxy_buffering on;"), buffering);
        assertTrue(buffering.contains("proxy_ignore_headers X-Accel-Buffering;"), buffering);
        assertFalse(buffering.contains("Connection"), buffering);

        assertThrows(IllegalArgumentException.class, () -> Nginx.Proxy.forStreams().config(URI.create("http://example.com:80/")));
        assertThrows(IllegalArgumentException.class, () -> Nginx.start("events {}"), "a config must say where to listen");
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").toLowerCase().startsWith("windows");
    }
}
