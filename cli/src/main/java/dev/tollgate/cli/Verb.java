package dev.tollgate.cli;

import dev.tollgate.api.ManagerClient;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ParentCommand;

/** What every verb has: the global options (on {@link Tollctl}), output, and the connection. */
abstract class Verb implements Callable<Integer> {
    @ParentCommand
    Tollctl root;

    @Override
    public final Integer call() throws Exception {
        return execute();
    }

    abstract int execute() throws Exception;

    PrintStream out() {
        return root.out;
    }

    PrintStream err() {
        return root.err;
    }

    Style style() {
        return root.style();
    }

    boolean json() {
        return root.json;
    }

    ManagerClient connect() throws IOException {
        return root.connect();
    }

    void print(List<String> lines) {
        root.print(lines);
    }

    /**
     * systemctl's {@code -t}: "help" lists the types this verb knows (then the verb is done:
     * true), an unknown one is an error worded as systemctl's.
     */
    boolean typesHelpOrCheck(List<String> types, List<String> known) {
        if (types == null) {
            return false;
        }
        if (types.contains("help")) {
            out().println("Available unit types:");
            known.forEach(out()::println);
            return true;
        }
        for (String t : types) {
            if (!known.contains(t)) {
                throw new Failure(ExitCodes.FAILURE, "Unknown unit type or load state '" + t + "'.\n"
                        + "Use -t help to see a list of allowed values.");
            }
        }
        return false;
    }

    /** A GetUnit-only connection, without Jackson's data binding: see {@link UnitClient}. */
    UnitClient units() throws IOException {
        return UnitClient.connect(root.socket());
    }
}
