package io.tandem.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * {@code run --web-ui} in a real browser: Debian's chromium, driven by chromium-driver, opens the
 * running job's page on the local dashboard and finds the stage names of a two-stage pipeline on
 * the graph and a Tandem metric's value on an inference vertex. Skipped only where no chromium is
 * installed, except where the environment variable {@code CI} is set: CI installs chromium, so
 * there a missing one fails the test instead of hiding it.
 */
class WebUiITCase {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Pattern JOB_PAGE = Pattern.compile("Flink dashboard: (\\S+)");
    // Flink's metric query service writes a space of an operator's name as '_'.
    private static final String BUSY_FRACTION = "0.inference_ner.tandemInferenceBusyFraction";

    /** Two model stages with a rule component between them. */
    private static final String TWO_STAGES =
            """
            components:
              - type: tokenizer
              - type: sentences
              - type: ner
              - type: negation
                languages: [en]
              - type: ner
                name: ner-2
            """;

    /** The job graph of {@link #TWO_STAGES}, each model's stage named after it. */
    private static final List<String> TWO_STAGE_VERTICES =
            List.of(
                    // The sample input runs at the CPU parallelism, chained to parse.
                    "Source: input -> parse and annotate -> batcher ner",
                    "inference ner",
                    "join ner -> batcher ner-2",
                    "inference ner-2",
                    "join ner-2",
                    "output: Writer");

    private static final Duration PATIENCE = Duration.ofSeconds(40);

    @TempDir Path dir;

    @Test
    void theDashboardShowsTheStagesAndTandemsMetricsOfTheRunningJob() throws Exception {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        String missing =
                "No chromium here: this test needs Debian's chromium and chromium-driver"
                        + " (apt-get install -y chromium chromium-driver), at "
                        + CHROMIUM
                        + " and "
                        + CHROMEDRIVER;
        String ci = System.getenv("CI");
        if (ci != null && !ci.isBlank()) {
            assertTrue(installed, missing + "; CI=" + ci + " installs them (.ci/run)");
        }
        assumeTrue(installed, missing);
        Path pipeline = Files.writeString(dir.resolve("two-stages.yaml"), TWO_STAGES);
        StringWriter out = new StringWriter();
        CompletableFuture<Integer> run =
                CompletableFuture.supplyAsync(
                        () -> {
                            var cli = TandemCli.commandLine();
                            cli.setOut(new PrintWriter(out, true));
                            cli.setErr(new PrintWriter(new StringWriter(), true));
                            return cli.execute(
                                    "run",
                                    "--pipeline",
                                    pipeline.toString(),
                                    "--input",
                                    "sample:1000000",
                                    "--output",
                                    dir.resolve("out.jsonl").toString(),
                                    "--cpu-workers",
                                    "1",
                                    "--gpu-workers",
                                    "1",
                                    "--device",
                                    "cpu",
                                    "--web-ui",
                                    "0",
                                    "--no-progress");
                        });
        URI jobPage = null;
        WebDriver browser = null;
        try {
            jobPage = awaitJobPage(out, run);
            assertEquals("127.0.0.1", jobPage.getHost(), "loopback unless told otherwise");
            browser = chromium();
            browser.get(jobPage.toString());
            WebDriverWait wait = new WebDriverWait(browser, PATIENCE);
            for (String stage :
                    new String[] {
                        "input",
                        "parse and annotate",
                        "batcher ner",
                        "inference ner",
                        "join ner",
                        "batcher ner-2",
                        "inference ner-2",
                        "join ner-2",
                        "output"
                    }) {
                wait.until(b -> b.getPageSource().contains(stage));
            }
            assertEquals(TWO_STAGE_VERTICES, vertexNames(jobPage));
            screenshot(browser, Path.of("target", "web-ui-overview.png"));
            String vertex = vertexId(jobPage, "inference ner");
            browser.get(
                    jobPage.toString().replace("/overview", "/overview/" + vertex + "/metrics"));
            String value = metricShown(browser, wait, BUSY_FRACTION);
            double busy = Double.parseDouble(value);
            assertTrue(busy >= 0 && busy <= 1, BUSY_FRACTION + " = " + value);
            screenshot(browser, Path.of("target", "web-ui-metrics.png"));
        } finally {
            if (browser != null) {
                browser.quit();
            }
            if (jobPage != null) {
                cancel(jobPage);
            }
            run.get();
        }
    }

    @Test
    void withLingerTheDashboardAnswersAfterTheJobEndsForThatLongThenItsPortCloses()
            throws Exception {
        Duration linger = Duration.ofSeconds(3);
        StringWriter out = new StringWriter();
        CompletableFuture<Integer> run =
                CompletableFuture.supplyAsync(
                        () -> {
                            var cli = TandemCli.commandLine();
                            cli.setOut(new PrintWriter(out, true));
                            cli.setErr(new PrintWriter(new StringWriter(), true));
                            return cli.execute(
                                    "run",
                                    "--input",
                                    "sample:50",
                                    "--output",
                                    dir.resolve("out.jsonl").toString(),
                                    "--cpu-workers",
                                    "1",
                                    "--gpu-workers",
                                    "0",
                                    "--web-ui",
                                    "0",
                                    "--web-ui-linger",
                                    linger.toSeconds() + "s",
                                    "--no-progress");
                        });
        URI base = restBase(awaitJobPage(out, run));
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!out.toString().contains("Job finished; the dashboard at")) {
            assertTrue(System.nanoTime() < deadline, () -> "the job did not finish: " + out);
            assertTrue(!run.isDone(), () -> "the run ended without lingering: " + out);
            Thread.sleep(20);
        }
        long ended = System.nanoTime();
        HttpClient http = HttpClient.newHttpClient();
        assertEquals(200, get(http, base.resolve("overview")).statusCode());
        String jobs = get(http, base.resolve("jobs/overview")).body();
        assertTrue(jobs.contains("\"state\":\"FINISHED\""), "the finished job is shown: " + jobs);
        Thread.sleep(linger.toMillis() * 2 / 3);
        assertTrue(!run.isDone(), "the run returned before its linger time was over");
        assertEquals(
                200,
                get(http, base.resolve("overview")).statusCode(),
                "two thirds into the linger time");

        assertEquals(0, run.get());
        assertTrue(
                System.nanoTime() - ended >= linger.toNanos() - Duration.ofMillis(500).toNanos(),
                "the run returned "
                        + Duration.ofNanos(System.nanoTime() - ended).toMillis()
                        + " ms after the job ended, linger "
                        + linger);
        assertThrows(
                ConnectException.class,
                () -> {
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 2000);
                    }
                },
                "the dashboard's port is closed once the linger time is over");
    }

    private static HttpResponse<String> get(HttpClient http, URI uri) throws Exception {
        return http.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Adds {@code metric} of subtask 0 on the open vertex's Metrics tab, switches it to numeric
     * display and returns the value the page renders.
     */
    private static String metricShown(WebDriver browser, WebDriverWait wait, String metric) {
        WebElement select = wait.until(b -> b.findElement(By.cssSelector("nz-select")));
        select.click();
        WebElement search = select.findElement(By.cssSelector("input"));
        search.sendKeys(metric);
        wait.until(
                b ->
                        b.findElements(By.cssSelector("nz-option-item")).stream()
                                .anyMatch(o -> o.getText().contains(metric)));
        search.sendKeys(Keys.ENTER);
        WebElement numeric =
                wait.until(b -> b.findElement(By.xpath("//*[normalize-space(text())='Numeric']")));
        numeric.click();
        Pattern number = Pattern.compile("(?m)^\\s*(\\d+(?:\\.\\d+)?(?:E-?\\d+)?)\\s*$");
        return wait.until(
                b -> {
                    // The metric's own card: the nearest box around both of its display toggles.
                    WebElement card =
                            b.findElement(
                                    By.xpath(
                                            "//*[normalize-space(text())='Numeric']/ancestor::*"
                                                    + "[.//*[normalize-space(text())='Big']][1]"));
                    Matcher shown = number.matcher(card.getText());
                    return shown.find() ? shown.group(1) : null;
                });
    }

    private static URI awaitJobPage(StringWriter out, CompletableFuture<Integer> run)
            throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher page = JOB_PAGE.matcher(out.toString());
            if (page.find()) {
                return URI.create(page.group(1));
            }
            assertTrue(!run.isDone(), () -> "the run ended before printing its dashboard: " + out);
            Thread.sleep(100);
        }
        throw new AssertionError("no dashboard URL printed within " + PATIENCE + ": " + out);
    }

    private static WebDriver chromium() throws Exception {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--window-size=1600,1000",
                "--user-data-dir=" + Files.createTempDirectory("tandem-chromium"));
        ChromeDriverService service =
                new ChromeDriverService.Builder()
                        .usingDriverExecutable(CHROMEDRIVER.toFile())
                        .build();
        return new ChromeDriver(service, options);
    }

    private static void screenshot(WebDriver browser, Path file) throws Exception {
        Files.createDirectories(file.getParent());
        Files.write(file, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }

    /** The id of the job's vertex named {@code name}, from the REST API. */
    private static String vertexId(URI jobPage, String name) throws Exception {
        for (JsonNode vertex : job(jobPage).get("vertices")) {
            if (vertex.get("name").asText().equals(name)) {
                return vertex.get("id").asText();
            }
        }
        throw new AssertionError("no vertex named '" + name + "' in " + vertexNames(jobPage));
    }

    /** The job's vertex names as the REST API lists them. */
    private static List<String> vertexNames(URI jobPage) throws Exception {
        List<String> names = new ArrayList<>();
        job(jobPage).get("vertices").forEach(vertex -> names.add(vertex.get("name").asText()));
        return names;
    }

    private static JsonNode job(URI jobPage) throws Exception {
        return new ObjectMapper()
                .readTree(
                        HttpClient.newHttpClient()
                                .send(
                                        HttpRequest.newBuilder(
                                                        restBase(jobPage)
                                                                .resolve("jobs/" + jobId(jobPage)))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString())
                                .body());
    }

    private static URI restBase(URI jobPage) {
        return URI.create(jobPage.getScheme() + "://" + jobPage.getAuthority() + "/");
    }

    private static String jobId(URI jobPage) {
        Matcher id = Pattern.compile("/job/running/([0-9a-f]+)/").matcher(jobPage.toString());
        assertTrue(id.find(), jobPage.toString());
        return id.group(1);
    }

    /** Cancels the job through the REST API, which ends the run. */
    private static void cancel(URI jobPage) throws Exception {
        HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(
                                        restBase(jobPage)
                                                .resolve("jobs/" + jobId(jobPage) + "?mode=cancel"))
                                .method("PATCH", HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }
}
