package dev.tollgate.cli;

import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.ManagerError;
import dev.tollgate.api.UnitFileChange;
import dev.tollgate.api.UnitFileChangeType;
import dev.tollgate.api.varlink.VarlinkException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** enable, disable: the [Install] links, reported as systemctl reports them (on stderr). */
abstract class EnableCommand extends Verb {
    @Parameters(paramLabel = "UNIT", arity = "1..*")
    List<String> units;

    @Option(names = "--now", description = "Also start (enable) or stop (disable) the units.")
    boolean now;

    abstract String verb();

    abstract List<UnitFileChange> change(ManagerClient client, String unit) throws IOException;

    abstract void follow(ManagerClient client, String unit) throws IOException;

    @Override
    int execute() throws Exception {
        List<UnitFileChange> all = new ArrayList<>();
        try (ManagerClient client = connect()) {
            for (String name : UnitNames.mangle(units)) {
                List<UnitFileChange> changes;
                try {
                    changes = change(client, name);
                } catch (VarlinkException e) {
                    throw failure(name, e);
                }
                all.addAll(changes);
                if (!root.quiet && !json()) {
                    for (UnitFileChange c : changes) {
                        err().println(c.type() == UnitFileChangeType.SYMLINK
                                ? "Created symlink " + c.path() + " \u2192 " + c.source() + "."
                                : "Removed \"" + c.path() + "\".");
                    }
                }
                if (now) {
                    try {
                        follow(client, name);
                    } catch (VarlinkException e) {
                        throw Errors.job(verb().equals("enable") ? "start" : "stop", name, e);
                    }
                }
            }
        }
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("changes", all);
            root.printJson(m);
        }
        return ExitCodes.SUCCESS;
    }

    private Failure failure(String name, VarlinkException e) {
        return switch (ManagerError.from(e).orElse(null)) {
            case ManagerError.NoSuchUnit n -> new Failure(ExitCodes.FAILURE,
                    "Failed to " + verb() + " unit: Unit file " + name + " does not exist.");
            case ManagerError.PermissionDenied p -> new Failure(ExitCodes.NO_PERMISSION,
                    "Failed to " + verb() + " unit: " + Errors.accessDenied());
            case null, default -> new Failure(ExitCodes.FAILURE, "Failed to " + verb() + " unit: " + Errors.describe(e));
        };
    }

    @Command(name = "enable", description = "Enable units as their [Install] sections say.")
    static final class Enable extends EnableCommand {
        @Override
        String verb() {
            return "enable";
        }

        @Override
        List<UnitFileChange> change(ManagerClient client, String unit) throws IOException {
            return client.enableUnit(unit);
        }

        @Override
        void follow(ManagerClient client, String unit) throws IOException {
            client.startUnit(unit);
        }
    }

    @Command(name = "disable", description = "Undo enable.")
    static final class Disable extends EnableCommand {
        @Override
        String verb() {
            return "disable";
        }

        @Override
        List<UnitFileChange> change(ManagerClient client, String unit) throws IOException {
            return client.disableUnit(unit);
        }

        @Override
        void follow(ManagerClient client, String unit) throws IOException {
            client.stopUnit(unit);
        }
    }
}
