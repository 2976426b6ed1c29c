package dev.tollgate.cli;

import dev.tollgate.api.ManagerClient;
import dev.tollgate.varlink.NotRunningException;
import dev.tollgate.varlink.ServiceInfo;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;

@Command(name = "version", description = "tollctl's version, and tollgated's when it runs.")
final class VersionCommand extends Verb {
    @Override
    int execute() throws Exception {
        String mine = Tollctl.version();
        ServiceInfo daemon = null;
        String why = null;
        try (ManagerClient client = connect()) {
            daemon = client.getInfo();
        } catch (NotRunningException e) {
            why = Tollctl.notRunning(e);
        }
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tollctl", mine);
            m.put("tollgated", daemon);
            root.printJson(m);
            return ExitCodes.SUCCESS;
        }
        out().println("tollctl " + mine);
        if (daemon != null) {
            out().println(daemon.product() + " " + daemon.version() + " (" + daemon.vendor() + ", " + daemon.url() + ") on "
                    + root.socket());
        } else {
            out().flush();
            err().println(why);
        }
        return ExitCodes.SUCCESS;
    }
}
