package dev.tollgate.cli;

import dev.tollgate.api.Diagnostic;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.ManagerError;
import dev.tollgate.api.Severity;
import dev.tollgate.varlink.VarlinkException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

@Command(name = "daemon-reload", description = {"Read the unit files again and apply what changed "
        + "(firewall and accounting changes atomically, counters kept).",
        "Prints what reading the files found, one message a line, on stderr."})
final class DaemonReloadCommand extends Verb {
    @Override
    int execute() throws Exception {
        List<Diagnostic> diagnostics;
        try (ManagerClient client = connect()) {
            diagnostics = client.reload();
        } catch (VarlinkException e) {
            if (ManagerError.from(e).orElse(null) instanceof ManagerError.PermissionDenied) {
                throw new Failure(ExitCodes.NO_PERMISSION, "Failed to reload daemon: " + Errors.accessDenied());
            }
            throw new Failure(ExitCodes.FAILURE, "Failed to reload daemon: " + Errors.describe(e));
        }
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("diagnostics", diagnostics);
            root.printJson(m);
            return ExitCodes.SUCCESS;
        }
        Style st = style();
        for (Diagnostic d : diagnostics) {
            String line = d.toString();
            err().println(d.severity() == Severity.ERROR ? st.red(line) : d.severity() == Severity.WARNING ? st.yellow(line) : line);
        }
        return ExitCodes.SUCCESS;
    }
}
