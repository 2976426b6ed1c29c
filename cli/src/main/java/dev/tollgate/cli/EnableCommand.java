package dev.tollgate.cli;

import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.ManagerError;
import dev.tollgate.api.UnitFileChange;
import dev.tollgate.api.UnitFileChangeType;
import dev.tollgate.varlink.VarlinkException;
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

    /** What the verb did to one unit: the files changed, and whether the unit has installation config at all. */
    record Outcome(List<UnitFileChange> changes, boolean carriesInstallInfo) {}

    abstract Outcome change(ManagerClient client, String unit) throws IOException;

    abstract void follow(ManagerClient client, String unit) throws IOException;

    @Override
    int execute() throws Exception {
        List<UnitFileChange> all = new ArrayList<>();
        boolean anyInstallInfo = false;
        try (ManagerClient client = connect()) {
            for (String name : UnitNames.mangle(units)) {
                List<UnitFileChange> changes;
                try {
                    Outcome o = change(client, name);
                    changes = o.changes();
                    anyInstallInfo |= o.carriesInstallInfo();
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
        if (!anyInstallInfo && !root.quiet && !json()) {
            err().print(noInstallationConfig(style().unicode()));
        }
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("carriesInstallInfo", anyInstallInfo);
            m.put("changes", all);
            root.printJson(m);
        }
        return ExitCodes.SUCCESS;
    }

    /**
     * systemctl 252's notice (on stderr, exit status 0) when no unit had installation config,
     * word for word: {@code systemctl enable} of a unit without [Install].
     */
    static String noInstallationConfig(boolean unicode) {
        String bullet = unicode ? "\u2022" : "*";
        return """
                The unit files have no installation config (WantedBy=, RequiredBy=, Also=,
                Alias= settings in the [Install] section, and DefaultInstance= for template
                units). This means they are not meant to be enabled using systemctl.
                \s
                Possible reasons for having this kind of units are:
                %1$s A unit may be statically enabled by being symlinked from another unit's
                  .wants/ or .requires/ directory.
                %1$s A unit's purpose may be to act as a helper for some other unit which has
                  a requirement dependency on it.
                %1$s A unit may be started when needed via activation (socket, path, timer,
                  D-Bus, udev, scripted systemctl call, ...).
                %1$s In case of template units, the unit is meant to be enabled with some
                  instance name specified.
                """.formatted(bullet);
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
        Outcome change(ManagerClient client, String unit) throws IOException {
            var r = client.enableUnit(unit);
            return new Outcome(r.changes(), r.carriesInstallInfo());
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
        Outcome change(ManagerClient client, String unit) throws IOException {
            // systemctl disable says nothing about installation config.
            return new Outcome(client.disableUnit(unit), true);
        }

        @Override
        void follow(ManagerClient client, String unit) throws IOException {
            client.stopUnit(unit);
        }
    }
}
