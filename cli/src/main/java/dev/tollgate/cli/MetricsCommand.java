package dev.tollgate.cli;

import dev.tollgate.api.ManagerClient;
import java.util.Map;
import picocli.CommandLine.Command;

@Command(name = "metrics", description = "tollgated's metrics in the Prometheus text format (per-unit counters and its own timings).")
final class MetricsCommand extends Verb {
    @Override
    int execute() throws Exception {
        String text;
        try (ManagerClient client = connect()) {
            text = client.getMetrics();
        }
        if (json()) {
            root.printJson(Map.of("text", text));
        } else {
            out().print(text.endsWith("\n") || text.isEmpty() ? text : text + "\n");
        }
        return ExitCodes.SUCCESS;
    }
}
