package dev.tollgate.cli;

import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.UnitInfo;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "tree", description = "Slices and services as a tree, as systemd-cgls draws them, with each unit's IP traffic.")
final class TreeCommand extends Verb {
    @Parameters(paramLabel = "UNIT", arity = "0..1", description = "Only the tree below this slice (or unit).")
    String unit;

    @Option(names = {"-a", "--all"}, description = "Inactive units and empty slices too.")
    boolean all;

    @Option(names = "--processes", description = "Each service's processes below it.")
    boolean processes;

    @Override
    int execute() throws Exception {
        List<UnitInfo> units;
        try (ManagerClient client = connect()) {
            units = UnitInfoReader.listUnits(client, null, null, true);
        }
        List<UnitTree.Node> forest = UnitTree.build(units, all);
        if (unit != null) {
            String name = UnitNames.mangle(unit);
            UnitTree.Node n = UnitTree.find(UnitTree.build(units, true), name);
            if (n == null) {
                throw new Failure(ExitCodes.UNKNOWN, "Unit " + name + " could not be found.");
            }
            UnitTree.Node shown = UnitTree.find(forest, name);
            forest = List.of(shown != null ? shown : new UnitTree.Node(n.unit(), List.of()));
        }
        if (json()) {
            root.printJson(forest.stream().map(UnitTree.Node::toJson).toList());
            return ExitCodes.SUCCESS;
        }
        print(UnitTree.render(forest, style(), processes ? Processes.PROC : null));
        return ExitCodes.SUCCESS;
    }
}
