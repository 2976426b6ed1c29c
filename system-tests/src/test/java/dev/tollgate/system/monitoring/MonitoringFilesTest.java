package dev.tollgate.system.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.system.TollgatedProcess;
import dev.tollgate.testkit.Privileged;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitoring files tollgate ships (packaging/prometheus, packaging/grafana): promtool
 * accepts the scrape configuration and the rules and passes the rules' unit tests, and every
 * query in the rules, their tests and the dashboard reads only metric names and labels that a
 * real tollgated serves on {@code --metrics-listen}.
 */
@Privileged(commands = "promtool")
@Timeout(180)
class MonitoringFilesTest {
    private static final Path PROJECT = Path.of(System.getProperty("user.dir")).getParent();
    private static final Path PROMETHEUS = PROJECT.resolve("packaging/prometheus");
    private static final Path RULES = PROMETHEUS.resolve("tollgate.rules.yml");
    private static final Path RULES_TEST = PROMETHEUS.resolve("tollgate.rules.test.yml");
    private static final Path DASHBOARD = PROJECT.resolve("packaging/grafana/tollgate-dashboard.json");
    /** Labels Prometheus adds to every scraped series (the target's). */
    private static final Set<String> TARGET_LABELS = Set.of("instance", "job");

    record Run(int exit, String output) {}

    private static Run run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish");
        }
        return new Run(p.exitValue(), out);
    }

    // ---- promtool -------------------------------------------------------------------------------

    @Test
    void promtoolAcceptsTheConfigurationAndTheRulesAndTheirTestsPass() throws Exception {
        Run config = run("promtool", "check", "config", PROMETHEUS.resolve("prometheus.yml").toString());
        assertThat(config.exit()).as("promtool check config:\n%s", config.output()).isZero();

        Run check = run("promtool", "check", "rules", RULES.toString());
        assertThat(check.exit()).as("promtool check rules:\n%s", check.output()).isZero();
        // The reader below sees every rule promtool sees, so the name check misses none.
        Matcher found = Pattern.compile("SUCCESS: (\\d+) rules found").matcher(check.output());
        assertThat(found.find()).as(check.output()).isTrue();
        assertThat(rules()).hasSize(Integer.parseInt(found.group(1)));

        Run test = run("promtool", "test", "rules", RULES_TEST.toString());
        assertThat(test.exit()).as("promtool test rules:\n%s", test.output()).isZero();
        assertThat(test.output()).contains("SUCCESS");
    }

    @Test
    void everyDashboardQueryIsValidPromQl(@TempDir Path tmp) throws Exception {
        // promtool has no query checker of its own: each query, with Grafana's variables given
        // values, becomes a recording rule.
        StringBuilder y = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        List<String> queries = dashboardQueries();
        for (int i = 0; i < queries.size(); i++) {
            String q = queries.get(i).replace("$__rate_interval", "1m").replace("$__range", "6h").replace("$", "");
            if (q.startsWith("label_values(")) continue;   // Grafana's, not PromQL
            y.append("      - record: dashboard_query_").append(i).append("\n        expr: '").append(q.replace("'", "''")).append("'\n");
        }
        Path file = Files.writeString(tmp.resolve("dashboard.rules.yml"), y);
        Run check = run("promtool", "check", "rules", file.toString());
        assertThat(check.exit()).as("promtool check rules on the dashboard's queries:\n%s\n%s", check.output(), y).isZero();
    }

    // ---- names and labels against a real daemon -------------------------------------------------

    @Test
    void everyQueryUsesOnlyNamesAndLabelsTollgatedExports() throws Exception {
        try (TollgatedProcess daemon = new TollgatedProcess()) {
            // A slice and a service with IPAccounting and a firewall, started at boot: every
            // per-unit and per-slice series exists.
            daemon.unit("watched.slice", "[Slice]\nIPAccounting=yes\n", false);
            daemon.unit("watched-web.service", """
                    [Service]
                    Slice=watched.slice
                    IPAccounting=yes
                    IPAddressDeny=127.0.0.2
                    ExecStart=/bin/sleep 3600
                    """, true);
            daemon.args("--metrics-listen", "127.0.0.1:0").start();
            Matcher port = Pattern.compile("metrics on http://127\\.0\\.0\\.1:(\\d+)/metrics").matcher(daemon.logText());
            assertThat(port.find()).as("the daemon logs its metrics address:\n%s", daemon.logText()).isTrue();
            URI metrics = URI.create("http://127.0.0.1:" + port.group(1) + "/metrics");

            // Errors are counted from the first one on: make one (bad input on the API socket).
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(daemon.socket));
                ch.write(ByteBuffer.wrap("this is not json\0".getBytes(StandardCharsets.UTF_8)));
            }
            String[] text = new String[1];
            try (HttpClient http = HttpClient.newHttpClient()) {
                TollgatedProcess.await("the error counter and the unit's and slice's series", Duration.ofSeconds(60), () -> {
                    text[0] = get(http, metrics);
                    return text[0].contains("tollgate_errors_total{") && text[0].contains("unit=\"watched-web.service\"")
                            && text[0].contains("slice=\"watched.slice\"");
                });
            }
            Map<String, Set<String>> exported = exposition(text[0]);
            System.out.println("tollgated exports: " + exported);
            assertThat(exported).containsKeys("tollgate_unit_ip_egress_dropped_packets_total", "tollgate_slice_ip_ingress_bytes_total",
                    "tollgate_datapath_available", "tollgate_errors_total");
            // This host has cgroup BPF: the datapath is there, in the mode the daemon chose.
            assertThat(text[0]).containsPattern("(?m)^tollgate_datapath_available\\{mode=\"(link|multi|single)\"} 1(\\.0)?$");

            Map<String, Set<String>> known = withTargetLabels(exported);
            List<String> problems = new ArrayList<>();
            int queries = 0;
            for (Rule r : rules()) {
                PromQl.Query q = PromQl.parse(r.expr());
                problems.addAll(problems(q, known, RULES.getFileName() + " " + r.name()));
                queries++;
                Set<String> output = outputLabels(q, known);
                if (r.record()) known.put(r.name(), output);
                for (String l : r.templateLabels()) {
                    if (!output.contains(l)) problems.add(r.name() + ": its templates use $labels." + l + ", which " + r.expr().strip() + " does not have");
                }
            }
            // The rules' tests feed series tollgated really has, and expect recorded series that exist.
            String tests = Files.readString(RULES_TEST);
            Matcher series = Pattern.compile("(?m)^\\s*- series: '([^']*)'").matcher(tests);
            while (series.find()) {
                problems.addAll(problems(PromQl.parse(series.group(1)), withTargetLabels(exported), RULES_TEST.getFileName() + " input"));
                queries++;
            }
            Matcher expected = Pattern.compile("(?m)^\\s*- labels: '([^']*)'").matcher(tests);
            while (expected.find()) {
                problems.addAll(problems(PromQl.parse(expected.group(1)), known, RULES_TEST.getFileName() + " expected sample"));
                queries++;
            }
            for (String d : dashboardQueries()) {
                problems.addAll(problems(PromQl.parse(d), withTargetLabels(exported), DASHBOARD.getFileName().toString()));
                queries++;
            }
            System.out.println(queries + " queries checked");
            assertThat(queries).isGreaterThan(40);
            assertThat(problems).as("queries that read what tollgated does not export").isEmpty();

            // And the check does catch a wrong name and a wrong label.
            assertThat(problems(PromQl.parse("sum by (kind) (rate(tollgate_unit_ip_ingress_bytes{unit=\"a\"}[5m])) + tollgate_units{unit=\"a\"}"),
                    known, "bad")).hasSize(3);
        }
    }

    private static String get(HttpClient http, URI uri) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            return r.body();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** The series names of a Prometheus text exposition, each with the labels its samples have. */
    static Map<String, Set<String>> exposition(String text) {
        Map<String, Set<String>> out = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            String name = line.substring(0, brace >= 0 && brace < space ? brace : space);
            Set<String> labels = out.computeIfAbsent(name, n -> new TreeSet<>());
            if (brace < 0 || brace > space) continue;
            int i = brace + 1;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                labels.add(line.substring(i, eq).strip());
                i = eq + 2;   // past ="
                while (line.charAt(i) != '"') i += line.charAt(i) == '\\' ? 2 : 1;
                i++;
                if (line.charAt(i) == ',') i++;
            }
        }
        return out;
    }

    private static Map<String, Set<String>> withTargetLabels(Map<String, Set<String>> exported) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        exported.forEach((n, l) -> {
            Set<String> s = new TreeSet<>(l);
            s.addAll(TARGET_LABELS);
            out.put(n, s);
        });
        return out;
    }

    /** What in {@code q} names a series or label that {@code known} lacks. */
    private static List<String> problems(PromQl.Query q, Map<String, Set<String>> known, String where) {
        List<String> out = new ArrayList<>();
        Set<String> all = new TreeSet<>(TARGET_LABELS);
        for (PromQl.Selector s : q.selectors()) {
            Set<String> labels = known.get(s.metric());
            if (labels == null) {
                out.add(where + ": no series " + s.metric() + " in: " + q.text().strip());
                continue;
            }
            all.addAll(labels);
            for (String l : s.labels()) {
                if (!labels.contains(l)) out.add(where + ": " + s.metric() + " has no label " + l + " (it has " + labels + ") in: " + q.text().strip());
            }
        }
        for (String l : q.groupingLabels()) {
            if (!all.contains(l)) out.add(where + ": groups by " + l + ", which none of its series has, in: " + q.text().strip());
        }
        return out;
    }

    /**
     * The labels {@code q}'s result may have: every label of the series it reads (a superset when
     * it aggregates them away, which is enough to tell a label that exists nowhere).
     */
    private static Set<String> outputLabels(PromQl.Query q, Map<String, Set<String>> known) {
        Set<String> out = new TreeSet<>();
        for (PromQl.Selector s : q.selectors()) out.addAll(known.getOrDefault(s.metric(), Set.of()));
        return out;
    }

    // ---- reading the files ----------------------------------------------------------------------

    /** One rule of the rules file: its name, expression and the labels its templates use. */
    record Rule(boolean record, String name, String expr, Set<String> templateLabels) {}

    private static final Pattern RULE_START = Pattern.compile("^\\s*- (record|alert): (\\S+)\\s*$");
    private static final Pattern EXPR = Pattern.compile("^(\\s*)expr: ?(.*)$");
    private static final Pattern TEMPLATE_LABEL = Pattern.compile("\\$labels\\.([A-Za-z_][A-Za-z0-9_]*)");

    /**
     * The rules of tollgate.rules.yml, read as that file writes them (one {@code expr:} per rule,
     * on its line or as a {@code |} block); promtool's count of rules guards this reader.
     */
    static List<Rule> rules() throws IOException {
        List<String> lines = Files.readAllLines(RULES);
        List<Rule> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher start = RULE_START.matcher(lines.get(i));
            if (!start.matches()) continue;
            int end = i + 1;
            while (end < lines.size() && !RULE_START.matcher(lines.get(end)).matches() && !lines.get(end).matches("^\\s*- name: .*")) end++;
            String expr = null;
            Set<String> templates = new LinkedHashSet<>();
            for (int j = i + 1; j < end; j++) {
                Matcher e = EXPR.matcher(lines.get(j));
                if (e.matches() && expr == null) {
                    String v = e.group(2).strip();
                    if (v.equals("|") || v.equals("|-")) {
                        StringBuilder b = new StringBuilder();
                        int indent = e.group(1).length();
                        while (j + 1 < end && (lines.get(j + 1).isBlank() || lines.get(j + 1).length() - lines.get(j + 1).stripLeading().length() > indent)) {
                            b.append(lines.get(++j)).append('\n');
                        }
                        expr = b.toString();
                    } else {
                        expr = v;
                    }
                    continue;
                }
                Matcher t = TEMPLATE_LABEL.matcher(lines.get(j));
                while (t.find()) templates.add(t.group(1));
            }
            assertThat(expr).as("the expr of %s", start.group(2)).isNotBlank();
            out.add(new Rule(start.group(1).equals("record"), start.group(2), expr, templates));
            i = end - 1;
        }
        return out;
    }

    /** Every query of the dashboard: its panels' targets and its query variables. */
    static List<String> dashboardQueries() throws IOException {
        JsonNode d = new ObjectMapper().readTree(DASHBOARD.toFile());
        List<String> out = new ArrayList<>();
        for (JsonNode expr : d.findValues("expr")) out.add(expr.asText());
        for (JsonNode v : d.path("templating").path("list")) {
            if (!v.path("type").asText().equals("query")) continue;
            JsonNode q = v.path("query");
            out.add(q.isTextual() ? q.asText() : q.path("query").asText());
        }
        assertThat(out).as("queries in %s", DASHBOARD).isNotEmpty().doesNotContain("");
        return out;
    }
}
