package dev.crossnet.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crossnet.lab.Lab;
import dev.crossnet.lab.LabOptions;
import dev.crossnet.testing.HeadlessChromium;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The dashboard in a real browser: a 3-host lab with a dockerd per host, one crossnet network and
 * one container on each host, the page opened at the URL {@code lab up} prints (h1's agent through
 * the lab's forwarder) in headless chromium. Every host and container appears; stopping h3's agent
 * turns h3 red while the page stays open (server-sent events, no reload). Screenshots of both go to
 * {@code target/}.
 */
@Tag("integration")
class DashboardBrowserIT {
    /** Only stops a broken run: nothing here depends on how fast the machine is. */
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static final Duration CMD = Duration.ofSeconds(60);
    private static final List<String> HOSTS = List.of("h1", "h2", "h3");
    /** What the page shows, as the test reads it: host → state in the graph and in its panel, and the containers. */
    private static final String READ_PAGE = "JSON.stringify({"
            + "graph: Object.fromEntries([...document.querySelectorAll('#graph [data-host]')].map(n => [n.dataset.host, n.dataset.state])),"
            + "panels: Object.fromEntries([...document.querySelectorAll('#hosts [data-host]')].map(n => [n.dataset.host, n.dataset.state])),"
            + "containers: [...document.querySelectorAll('#networks [data-container]')].map(n => n.dataset.container).sort()})";

    @Test
    void labOfThree_everyHostAndContainerShown_stoppedAgentTurnsRed() throws Exception {
        Path target = Path.of("target");
        Files.createDirectories(target);
        String name = "cnd" + UUID.randomUUID().toString().replace("-", "").substring(0, 7);
        long t0 = System.nanoTime();
        try (Lab lab = Lab.up(LabOptions.defaults().withName(name).withHosts(3).withContainersPerHost(0).withDocker(true)
                .withProgress(line -> System.out.println("  " + line)))) {
            try {
                scenario(lab, target);
            } catch (Throwable t) {
                dump(lab);
                throw t;
            }
        } finally {
            System.out.printf("DashboardBrowserIT: %.1f s with lab up and down%n", (System.nanoTime() - t0) / 1e9);
        }
    }

    private void scenario(Lab lab, Path target) throws Exception {
        String url = lab.dashboardUrl().orElseThrow(() -> new AssertionError("lab up wrote no dashboard URL"));
        assertThat(url).startsWith("http://127.0.0.1:");
        lab.docker("h1", CMD, "network", "create", "-d", "crossnet", "--ipam-driver", "crossnet", "--subnet", "192.168.130.0/24",
                "--attachable", "dashnet").orThrow();
        List<String> containers = new ArrayList<>();
        for (String h : HOSTS) {
            await(h + " sees dashnet").atMost(PATIENCE).until(() -> lab.docker(h, CMD, "network", "inspect", "dashnet").ok());
            String c = "web-" + h;
            lab.docker(h, CMD, "run", "-d", "--name", c, "--network", "dashnet", "busybox", "sleep", "3600").orThrow();
            containers.add(c);
        }
        try (HeadlessChromium browser = HeadlessChromium.start(target.resolve("chromium.log"), 1400, 1000)) {
            browser.navigate(url);
            await("every host ready and every container on the page").atMost(PATIENCE).untilAsserted(() -> {
                JsonNode page = read(browser);
                for (String h : HOSTS) {
                    assertThat(page.path("graph").path(h).asText()).as(h + " in the graph").isEqualTo("up");
                    assertThat(page.path("panels").path(h).asText()).as(h + "'s panel").isEqualTo("up");
                }
                assertThat(page.path("containers").toString()).as("containers").contains(containers.stream()
                        .map(c -> "\"" + c + "\"").toArray(String[]::new));
            });
            Files.write(target.resolve("dashboard-3-hosts.png"), browser.screenshot());

            lab.stopAgent("h3");
            await("h3 red, without reloading the page").atMost(PATIENCE).untilAsserted(() -> {
                JsonNode page = read(browser);
                assertThat(page.path("graph").path("h3").asText()).isEqualTo("down");
                assertThat(page.path("panels").path("h3").asText()).isEqualTo("down");
                assertThat(page.path("graph").path("h1").asText()).isEqualTo("up");
                assertThat(page.path("graph").path("h2").asText()).isEqualTo("up");
            });
            assertThat(browser.evaluate(
                    "getComputedStyle(document.querySelector('#graph [data-host=\"h3\"] circle')).stroke").asText())
                    .as("h3's circle is drawn red").isEqualTo("rgb(214, 69, 65)");
            Files.write(target.resolve("dashboard-h3-stopped.png"), browser.screenshot());
        }
    }

    private static JsonNode read(HeadlessChromium browser) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(browser.evaluate(READ_PAGE).asText());
    }

    private static void dump(Lab lab) {
        for (String h : HOSTS) {
            Path log = lab.dir().resolve(h).resolve("agent.log");
            try {
                List<String> lines = Files.readAllLines(log);
                System.out.println("---- " + log + " (last 40 lines)");
                lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(System.out::println);
            } catch (java.io.IOException e) {
                System.out.println("---- no " + log);
            }
        }
    }
}
