package dev.tollgate.cli;

import dev.tollgate.api.ActiveState;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.api.UnitPattern;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "list-units", description = "List the units tollgated has loaded: active ones, or all with --all.")
final class ListUnitsCommand extends Verb {
    private static final List<String> TYPES = List.of("service", "slice", "scope");

    @Option(names = {"-t", "--type"}, split = ",", paramLabel = "TYPE", description = "Only units of these types: service, slice, scope.")
    List<String> types;

    @Option(names = {"-a", "--all"}, description = "Inactive units too.")
    boolean all;

    @Option(names = "--state", split = ",", paramLabel = "STATE", description = "Only units in these load, active or sub states.")
    List<String> states;

    @Option(names = "--failed", description = "Only failed units (--state=failed).")
    boolean failed;

    @Parameters(paramLabel = "PATTERN", arity = "0..*", description = "Only units whose names match these shell patterns.")
    List<String> patterns;

    @Override
    int execute() throws Exception {
        if (typesHelpOrCheck(types, TYPES)) {
            return ExitCodes.SUCCESS;
        }
        List<String> wantedStates = states == null ? null : new ArrayList<>(states);
        if (failed) {
            wantedStates = wantedStates == null ? new ArrayList<>() : wantedStates;
            wantedStates.add("failed");
        }
        List<UnitInfo> units;
        try (ManagerClient client = connect()) {
            units = UnitInfoReader.listUnits(client, types, wantedStates, all);
        }
        if (patterns != null && !patterns.isEmpty()) {
            units = units.stream().filter(u -> UnitPattern.matchesAny(patterns, u.name())).toList();
        }
        if (json()) {
            root.printJson(units);
            return ExitCodes.SUCCESS;
        }
        print(render(units, style(), !root.noLegend, all || (wantedStates != null && wantedStates.contains("inactive")),
                wantedStates != null));
        return ExitCodes.SUCCESS;
    }

    /**
     * The table as systemctl list-units prints it: UNIT LOAD ACTIVE SUB DESCRIPTION, a ● before
     * failed and not-loaded units on a terminal, then the legend.
     */
    static List<String> render(List<UnitInfo> units, Style st, boolean legend, boolean listedAll, boolean byState) {
        List<String[]> rows = new ArrayList<>();
        String[] header = {"UNIT", "LOAD", "ACTIVE", "SUB", "DESCRIPTION"};
        for (UnitInfo u : units) {
            rows.add(new String[] {u.name(), u.loadState(), u.activeState().wireName(), u.subState(), UnitNames.description(u)});
        }
        int[] w = new int[4];
        for (int i = 0; i < 4; i++) {
            w[i] = legend ? header[i].length() : 0;
            for (String[] r : rows) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        List<String> out = new ArrayList<>();
        boolean marker = st.decorate();
        if (legend) {
            out.add(st.bold((marker ? "  " : "") + cells(header, w)));
        }
        for (int k = 0; k < rows.size(); k++) {
            UnitInfo u = units.get(k);
            String[] r = rows.get(k);
            String line = cells(r, w);
            boolean bad = u.activeState() == ActiveState.FAILED;
            boolean notLoaded = !"loaded".equals(u.loadState());
            if (bad) {
                line = colour(r, w, st);
            }
            out.add(marker ? st.listMarker(bad, notLoaded) + " " + line : line);
        }
        if (legend) {
            if (!rows.isEmpty()) {
                out.add("");
                out.add("LOAD   = Reflects whether the unit definition was properly loaded.");
                out.add("ACTIVE = The high-level unit activation state, i.e. generalization of SUB.");
                out.add("SUB    = The low-level unit activation state, values depend on unit type.");
            }
            String count = Format.count(rows.size(), "loaded unit", "loaded units") + " listed.";
            if (listedAll || byState) {
                out.add(st.bold(count));
            } else {
                out.add(st.bold(count) + " Pass --all to see loaded but inactive units, too.");
            }
        }
        return out;
    }

    private static String cells(String[] r, int[] w) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            b.append(r[i]).append(" ".repeat(w[i] - r[i].length() + 1));
        }
        return b.append(r[4]).toString().stripTrailing();
    }

    /** A failed unit's row: its ACTIVE and SUB in red, as systemctl highlights them. */
    private static String colour(String[] r, int[] w, Style st) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            String cell = r[i] + " ".repeat(w[i] - r[i].length());
            b.append(i == 2 || i == 3 ? st.red(cell) : cell).append(' ');
        }
        return b.append(r[4]).toString().stripTrailing();
    }
}
