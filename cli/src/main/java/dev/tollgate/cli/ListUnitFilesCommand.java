package dev.tollgate.cli;

import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.UnitFile;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "list-unit-files", description = {"List the unit files on tollgated's search path with their "
        + "enablement state (enabled, disabled, static, masked, alias, linked, indirect, transient, bad), as "
        + "systemctl list-unit-files does.", "Exit status 1 when none is listed, as systemctl's."})
final class ListUnitFilesCommand extends Verb {
    private static final List<String> TYPES = List.of("service", "slice");

    @Option(names = {"-t", "--type"}, split = ",", paramLabel = "TYPE", description = "Only unit files of these types: service, slice.")
    List<String> types;

    @Option(names = "--state", split = ",", paramLabel = "STATE", description = "Only unit files in these states (enabled, static, ...).")
    List<String> states;

    @Option(names = {"-a", "--all"}, description = "Accepted for systemctl compatibility: every unit file is listed anyway.")
    boolean all;

    @Parameters(paramLabel = "PATTERN", arity = "0..*",
            description = "Only unit files whose names match one of these shell patterns (web*, *.slice); no suffix is implied.")
    List<String> patterns;

    @Override
    int execute() throws Exception {
        if (typesHelpOrCheck(types, TYPES)) {
            return ExitCodes.SUCCESS;
        }
        List<UnitFile> files;
        try (ManagerClient client = connect()) {
            files = client.listUnitFiles(patterns == null || patterns.isEmpty() ? null : patterns, states);
        }
        if (types != null) {
            files = files.stream().filter(f -> types.contains(f.name().substring(f.name().lastIndexOf('.') + 1))).toList();
        }
        if (json()) {
            root.printJson(files);
        } else {
            print(render(files, style(), !root.noLegend));
        }
        // systemctl: nothing listed is -ENOENT, exit status 1.
        return files.isEmpty() ? ExitCodes.FAILURE : ExitCodes.SUCCESS;
    }

    /**
     * systemctl's table: UNIT FILE and STATE (no PRESET column: tollgate has no presets), one
     * space between columns, the last not padded; the state green when enabled or an alias, red
     * when disabled, masked or bad (on a terminal); then a blank line and "N unit files listed.".
     */
    static List<String> render(List<UnitFile> files, Style st, boolean legend) {
        int w = legend ? "UNIT FILE".length() : 0;
        for (UnitFile f : files) {
            w = Math.max(w, f.name().length());
        }
        List<String> out = new ArrayList<>();
        if (legend) {
            out.add(st.bold(pad("UNIT FILE", w) + " STATE"));
        }
        for (UnitFile f : files) {
            String state = switch (f.state()) {
                case "enabled", "enabled-runtime", "alias" -> st.green(f.state());
                case "disabled", "masked", "masked-runtime", "bad" -> st.red(f.state());
                default -> f.state();
            };
            out.add(pad(f.name(), w) + " " + state);
        }
        if (legend) {
            out.add("");
            out.add(files.size() + " unit files listed.");
        }
        return out;
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(w - s.length());
    }
}
