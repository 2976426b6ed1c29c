package dev.tollgate.cli;

import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.Messages.UnitStateReply;
import dev.tollgate.varlink.VarlinkException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** start, stop, restart: one job per unit, each waited for, as systemctl does by default. */
abstract class JobCommand extends Verb {
    @Parameters(paramLabel = "UNIT", arity = "1..*")
    List<String> units;

    abstract String verb();

    abstract UnitStateReply job(ManagerClient client, String unit) throws IOException;

    @Override
    int execute() throws Exception {
        int rc = ExitCodes.SUCCESS;
        List<UnitStateReply> done = new ArrayList<>();
        try (ManagerClient client = connect()) {
            for (String name : UnitNames.mangle(units)) {
                try {
                    done.add(job(client, name));
                } catch (VarlinkException e) {
                    Failure f = Errors.job(verb(), name, e);
                    out().flush();
                    err().println(f.getMessage());
                    if (rc == ExitCodes.SUCCESS) {
                        rc = f.exitCode();
                    }
                }
            }
        }
        if (json()) {
            root.printJson(done);
        }
        return rc;
    }

    @Command(name = "start", description = "Start units and wait until they are active (or failed).")
    static final class Start extends JobCommand {
        @Override
        String verb() {
            return "start";
        }

        @Override
        UnitStateReply job(ManagerClient client, String unit) throws IOException {
            return client.startUnit(unit);
        }
    }

    @Command(name = "stop", description = "Stop units and wait until they are inactive.")
    static final class Stop extends JobCommand {
        @Override
        String verb() {
            return "stop";
        }

        @Override
        UnitStateReply job(ManagerClient client, String unit) throws IOException {
            return client.stopUnit(unit);
        }
    }

    @Command(name = "restart", description = "Stop units if they are active, then start them.")
    static final class Restart extends JobCommand {
        @Override
        String verb() {
            return "restart";
        }

        @Override
        UnitStateReply job(ManagerClient client, String unit) throws IOException {
            return client.restartUnit(unit);
        }
    }
}
