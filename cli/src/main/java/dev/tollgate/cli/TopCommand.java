package dev.tollgate.cli;

import dev.tollgate.api.CounterSample;
import dev.tollgate.api.EventKind;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.Messages.SubscribeReply;
import dev.tollgate.api.Messages.SubscribeRequest;
import dev.tollgate.varlink.ReplyStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "top", description = {"Units' traffic per second, busiest first, as systemd-cgtop shows cgroups.",
        "On a terminal the screen is redrawn until interrupted; otherwise (or with -b) each iteration is printed "
                + "after the last, N of them with -n."})
final class TopCommand extends Verb {
    @Option(names = {"-n", "--iterations"}, paramLabel = "N", description = "Stop after N iterations (default: never).")
    int iterations;

    @Option(names = {"-d", "--delay"}, paramLabel = "SECONDS", description = "Seconds between iterations (default 1, at least 0.1).")
    double delay = 1.0;

    @Option(names = {"-b", "--batch"}, description = "Print iterations one after the other, never redraw.")
    boolean batch;

    @Option(names = "--limit", paramLabel = "ROWS", description = "At most this many units an iteration (default: all).")
    int limit;

    @Parameters(paramLabel = "UNIT", arity = "0..*", description = "Only these units and slices.")
    List<String> units;

    @Override
    int execute() throws Exception {
        if (delay < 0.1 || Double.isNaN(delay)) {
            throw new Failure(ExitCodes.USAGE, "tollctl: the delay is at least 0.1 seconds.");
        }
        int intervalMs = (int) Math.round(delay * 1000);
        boolean redraw = style().decorate() && !batch && !json();
        List<String> only = units == null || units.isEmpty() ? null : UnitNames.mangle(units);
        try (ManagerClient client = connect();
             ReplyStream<SubscribeReply> stream = client.subscribe(new SubscribeRequest(only, intervalMs))) {
            SubscribeReply first = stream.nextReply();
            List<CounterSample> previous = first == null || first.samples() == null ? List.of() : first.samples();
            int done = 0;
            while (iterations <= 0 || done < iterations) {
                SubscribeReply r = stream.nextReply();
                if (r == null) {
                    break;
                }
                if (r.kind() != EventKind.COUNTERS || r.samples() == null) {
                    continue;
                }
                List<RateTable.Row> rows = RateTable.rates(previous, r.samples());
                previous = r.samples();
                done++;
                if (json()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("timestamp", r.timestamp());
                    m.put("intervalMs", intervalMs);
                    m.put("units", limit > 0 && rows.size() > limit ? rows.subList(0, limit) : rows);
                    out().println(Json.text(m).replace("\n", "").replaceAll(" {2,}", " "));
                } else {
                    List<String> lines = new ArrayList<>();
                    if (redraw) {
                        lines.add("\u001b[H\u001b[2J" + style().bold("tollgated on " + root.socket()) + "  every "
                                + delay + "s  " + rows.size() + " units");
                        lines.add("");
                    } else if (done > 1) {
                        lines.add("");
                    }
                    lines.addAll(RateTable.render(rows, style(), limit > 0 ? limit : redraw ? screenRows() : 0));
                    print(lines);
                }
                out().flush();
            }
        }
        return ExitCodes.SUCCESS;
    }

    private int screenRows() {
        try {
            return Math.max(1, Integer.parseInt(root.env.getOrDefault("LINES", "24")) - 4);
        } catch (NumberFormatException e) {
            return 20;
        }
    }
}
