package dev.tollgate.cli;

import dev.tollgate.api.ActiveState;
import dev.tollgate.api.UnitInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * is-active, is-failed: each unit's state on a line, and systemctl's exit code
 * ({@code check_unit_generic}): 0 when any unit is in the state asked about, else 4 when no
 * unit exists, else 3 (is-active) or 1 (is-failed). A unit tollgated does not know is
 * inactive.
 */
abstract class IsStateCommand extends Verb {
    @Parameters(paramLabel = "UNIT", arity = "1..*")
    List<String> units;

    abstract boolean good(ActiveState s);

    abstract int otherwise();

    @Override
    int execute() throws Exception {
        boolean ok = false;
        boolean notFound = true;
        List<Map<String, Object>> states = new ArrayList<>();
        StringBuilder b = new StringBuilder();
        try (UnitClient client = units()) {
            for (String name : UnitNames.mangle(units)) {
                UnitInfo u = client.getUnit(name);
                ActiveState s = u == null ? ActiveState.INACTIVE : u.activeState();
                String load = u == null ? "not-found" : u.loadState();
                b.append(s.wireName()).append('\n');
                ok |= good(s);
                notFound &= load.equals("not-found");
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", name);
                m.put("loadState", load);
                m.put("activeState", s.wireName());
                states.add(m);
            }
        }
        if (json()) {
            root.printJson(states);
        } else if (!root.quiet) {
            out().print(b);
        }
        return ok ? ExitCodes.SUCCESS : notFound ? ExitCodes.UNKNOWN : otherwise();
    }

    @Command(name = "is-active", description = "Print units' active states; exit 0 if any is active, 3 if none is, 4 if none exists.")
    static final class IsActive extends IsStateCommand {
        @Override
        boolean good(ActiveState s) {
            return s == ActiveState.ACTIVE || s == ActiveState.RELOADING;
        }

        @Override
        int otherwise() {
            return ExitCodes.NOT_RUNNING;
        }
    }

    @Command(name = "is-failed", description = "Print units' active states; exit 0 if any has failed, 1 if none has, 4 if none exists.")
    static final class IsFailed extends IsStateCommand {
        @Override
        boolean good(ActiveState s) {
            return s == ActiveState.FAILED;
        }

        @Override
        int otherwise() {
            return ExitCodes.FAILURE;
        }
    }
}
