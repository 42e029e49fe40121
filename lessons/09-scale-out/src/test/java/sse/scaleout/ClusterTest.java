package sse.scaleout;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import sse.check.Repository;
import sse.scaleout.cluster.Cluster;
import sse.support.Nginx;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The load balancer's config, read as a file (no nginx needed; ClusterNginxIT runs it): the settings
 * a stream needs, no stickiness, and the cluster's copy with only the ports changed.
 */
class ClusterTest {

    static String config() throws IOException {
        return Files.readString(Repository.root().resolve(Cluster.NGINX_CONFIG));
    }

    @Test
    @DisplayName("the load balancer's config has lesson 08's stream settings, skips a dead instance, and is not sticky")
    void configForStreams() throws IOException {
        String config = config();
        for (String line : List.of("proxy_pass http://instances;", "proxy_http_version 1.1;", "proxy_set_header Connection \"\";",
                "proxy_buffering off;", "proxy_set_header Host $http_host;", "proxy_next_upstream error timeout;")) {
            assertTrue(config.contains(line), "nginx.conf should have \"" + line + "\"");
        }
        for (String sticky : List.of("ip_hash", "hash ", "sticky")) {
            assertFalse(config.lines().map(String::strip).anyMatch(line -> line.startsWith(sticky)),
                    "no sticky sessions: any instance serves any browser, but the config has " + sticky);
        }
        Matcher timeout = Pattern.compile("(?m)^\\s*proxy_read_timeout (\\d+)s;").matcher(config);
        assertTrue(timeout.find(), "proxy_read_timeout in seconds");
        Duration heartbeat = ScaleOutApp.Options.defaults("a").heartbeatEvery();
        assertTrue(Duration.ofSeconds(Long.parseLong(timeout.group(1))).compareTo(heartbeat.multipliedBy(2)) >= 0,
                "proxy_read_timeout " + timeout.group(1) + "s should outlast two heartbeats (" + heartbeat + ")");
    }

    @Test
    @DisplayName("the cluster's copy of the config changes only the addresses: one server line per instance, with the same settings")
    void clusterCopyChangesOnlyAddresses() throws IOException {
        String config = config();
        String copy = Cluster.nginxConfig(config, List.of(9001, 9002, 9003, 9004));
        assertTrue(copy.contains("listen " + Nginx.LISTEN + ";"), copy);
        List<String> servers = copy.lines().map(String::strip).filter(line -> line.startsWith("server 127.0.0.1:")).toList();
        assertEquals(List.of("server 127.0.0.1:9001 max_fails=1 fail_timeout=10s;", "server 127.0.0.1:9002 max_fails=1 fail_timeout=10s;",
                "server 127.0.0.1:9003 max_fails=1 fail_timeout=10s;", "server 127.0.0.1:9004 max_fails=1 fail_timeout=10s;"), servers);
        String withoutServers = config.lines().filter(line -> !line.strip().startsWith("server 127.0.0.1:")
                && !line.contains("listen 127.0.0.1:7070;")).toList().toString();
        String copyWithoutServers = copy.lines().filter(line -> !line.strip().startsWith("server 127.0.0.1:")
                && !line.contains("listen " + Nginx.LISTEN)).toList().toString();
        assertEquals(withoutServers, copyWithoutServers, "everything else is the lesson's file as it is");
    }
}
