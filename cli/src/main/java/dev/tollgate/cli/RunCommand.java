package dev.tollgate.cli;

import dev.tollgate.api.Counters;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.Messages.RunTransientReply;
import dev.tollgate.api.Messages.RunTransientRequest;
import dev.tollgate.api.Property;
import dev.tollgate.varlink.VarlinkException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "run", description = {"Run a command as a transient service, as systemd-run does.",
        "With --wait: wait for it to exit, print its result, exit status and IP traffic (on stderr), "
                + "and exit as systemd-run does: 0 on success, the command's status, 255 if it was killed, else 1."})
final class RunCommand extends Verb {
    @Option(names = {"-u", "--unit"}, paramLabel = "NAME", description = "The unit's name (default: made up, run-r….service).")
    String unit;

    @Option(names = "--slice", paramLabel = "SLICE", description = "The slice to run it in.")
    String slice;

    @Option(names = "--description", paramLabel = "TEXT", description = "Description= (default: [tollctl run] and the command line).")
    String description;

    @Option(names = {"-p", "--property"}, paramLabel = "NAME=VALUE", description = "A setting, as in a [Service] section "
            + "(IPAccounting=yes, IPAddressDeny=any, ...); repeatable.")
    List<String> properties;

    @Option(names = {"-W", "--wait"}, description = "Wait for the command to exit; exit with its status.")
    boolean waitForExit;

    @Parameters(paramLabel = "COMMAND", arity = "1..*", description = "The command and its arguments.")
    List<String> command;

    @Override
    int execute() throws Exception {
        List<Property> props = new ArrayList<>();
        if (properties != null) {
            for (String p : properties) {
                try {
                    props.add(Property.parse(p));
                } catch (IllegalArgumentException e) {
                    throw new Failure(ExitCodes.FAILURE, "Failed to parse property '" + p + "': not NAME=VALUE.");
                }
            }
        }
        // Refused before any unit is made, as systemd-run refuses; the unit runs the path found.
        List<String> argv = new ArrayList<>(command);
        try {
            argv.set(0, Executables.find(command.getFirst(), System.getenv("PATH"), Path.of("").toAbsolutePath()));
        } catch (Executables.NotFound e) {
            throw new Failure(ExitCodes.FAILURE, "Failed to find executable " + command.getFirst() + ": " + e.getMessage());
        }
        String name = unit == null ? null : UnitNames.mangle(unit);
        // The description is the client's to make, as systemd-run makes "[systemd-run] COMMAND".
        String text = description != null ? description : "[tollctl run] " + Executables.quote(argv);
        // properties is optional, but tollgated (so far) needs it: always sent, empty or not.
        RunTransientRequest request = new RunTransientRequest(name, slice, text, props, argv,
                waitForExit ? Boolean.TRUE : null);
        RunTransientReply reply;
        try (ManagerClient client = connect()) {
            if (waitForExit && !root.quiet && !json() && name != null) {
                err().println("Running as unit: " + name);
            }
            try {
                reply = client.runTransient(request);
            } catch (VarlinkException e) {
                throw Errors.failure("Failed to start transient service unit: ", "start", e);
            }
        }
        if (json()) {
            root.printJson(reply);
        } else if (!root.quiet) {
            if (!(waitForExit && name != null)) {
                err().println("Running as unit: " + reply.name());
            }
            if (waitForExit) {
                err().print(String.join("\n", summary(reply)) + "\n");
            }
        }
        return waitForExit ? exitCode(reply) : ExitCodes.SUCCESS;
    }

    /** What systemd-run --wait prints when the command has exited, and tollgate's packet and drop figures. */
    static List<String> summary(RunTransientReply r) {
        List<String> out = new ArrayList<>();
        if (r.result() != null) {
            out.add("Finished with result: " + r.result());
        }
        if (r.exitCode() != null && r.exitStatus() != null) {
            String status = "exited".equals(r.exitCode()) ? Integer.toString(r.exitStatus()) : SignalNames.name(signal(r));
            out.add("Main processes terminated with: code=" + r.exitCode() + "/status=" + status);
        }
        Counters c = r.counters();
        if (c != null) {
            out.add("IP traffic received: " + Format.bytes(c.ingressBytes()));
            out.add("IP traffic sent: " + Format.bytes(c.egressBytes()));
            out.add("IP packets received: " + Long.toUnsignedString(c.ingressPackets()));
            out.add("IP packets sent: " + Long.toUnsignedString(c.egressPackets()));
            if (c.ingressDroppedPackets() != 0 || c.egressDroppedPackets() != 0) {
                out.add("IP traffic dropped: " + Format.count(c.ingressDroppedPackets(), "packet", "packets") + " in ("
                        + Format.bytes(c.ingressDroppedBytes()) + "), " + Format.count(c.egressDroppedPackets(), "packet", "packets")
                        + " out (" + Format.bytes(c.egressDroppedBytes()) + ")");
            }
        }
        return out;
    }

    /**
     * The signal that killed the command. The interface says exitStatus is the signal number;
     * tollgated so far sends 128 + the number, as a shell would: both are read.
     */
    static int signal(RunTransientReply r) {
        int s = r.exitStatus();
        return s > 128 ? s - 128 : s;
    }

    /** systemd-run's: success 0, exit-code the status, signal 255, anything else 1. */
    static int exitCode(RunTransientReply r) {
        if ("success".equals(r.result())) {
            return ExitCodes.SUCCESS;
        }
        if ("exit-code".equals(r.result()) && r.exitStatus() != null && r.exitStatus() > 0) {
            return r.exitStatus();
        }
        if ("signal".equals(r.result())) {
            return ExitCodes.EXCEPTION;
        }
        return ExitCodes.FAILURE;
    }
}
