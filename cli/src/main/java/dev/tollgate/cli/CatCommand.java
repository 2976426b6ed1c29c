package dev.tollgate.cli;

import dev.tollgate.api.DropIn;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.ManagerError;
import dev.tollgate.api.Messages.GetUnitFileReply;
import dev.tollgate.varlink.VarlinkException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "cat", description = "Show units' files and drop-ins, each after a '# PATH' line, as systemctl cat does.")
final class CatCommand extends Verb {
    @Parameters(paramLabel = "UNIT", arity = "1..*")
    List<String> units;

    @Override
    int execute() throws Exception {
        int rc = ExitCodes.SUCCESS;
        List<GetUnitFileReply> files = new ArrayList<>();
        try (ManagerClient client = connect()) {
            for (String name : UnitNames.mangle(units)) {
                GetUnitFileReply f;
                try {
                    f = client.getUnitFile(name);
                } catch (VarlinkException e) {
                    if (ManagerError.from(e).orElse(null) instanceof ManagerError.NoSuchUnit) {
                        out().flush();
                        err().println("No files found for " + name + ".");
                        rc = ExitCodes.FAILURE;
                        continue;
                    }
                    throw new Failure(ExitCodes.FAILURE, "Failed to read " + name + ": " + Errors.describe(e));
                }
                if (!json()) {
                    StringBuilder b = new StringBuilder();
                    if (!files.isEmpty()) {
                        b.append('\n');
                    }
                    b.append(render(f, style()));
                    out().print(b);
                }
                files.add(f);
            }
        }
        if (json()) {
            root.printJson(files);
        }
        return rc;
    }

    /** The file after "# PATH", then each drop-in after a blank line and its "# PATH". */
    static String render(GetUnitFileReply f, Style st) {
        StringBuilder b = new StringBuilder();
        String path = f.path().startsWith("/") ? f.path() : f.name() + " " + f.path();
        b.append(st.grey("# " + path)).append('\n');
        appendText(b, f.text());
        for (DropIn d : f.dropIns()) {
            b.append('\n').append(st.grey("# " + d.path())).append('\n');
            appendText(b, d.text());
        }
        return b.toString();
    }

    private static void appendText(StringBuilder b, String text) {
        b.append(text);
        if (!text.isEmpty() && !text.endsWith("\n")) {
            b.append('\n');
        }
    }
}
