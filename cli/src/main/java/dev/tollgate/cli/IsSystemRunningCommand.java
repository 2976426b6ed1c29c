package dev.tollgate.cli;

import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.SystemState;
import dev.tollgate.varlink.NotRunningException;
import dev.tollgate.varlink.VarlinkException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * is-system-running, as systemctl's ({@code systemctl-is-system-running.c}): prints the
 * manager's state and exits 0 only for running. Where systemctl prints offline (no systemd as
 * the manager) tollctl does when no tollgated serves the socket; where the state cannot be
 * asked for (a daemon without GetSystemState) it warns and prints unknown, as systemctl does.
 */
@Command(name = "is-system-running", description = {"Print tollgated's state: starting (its boot's jobs are not all done), "
        + "running, degraded (a unit is failed), stopping; offline when no tollgated serves the socket, unknown when the state "
        + "cannot be asked for. Exit 0 if running, 1 otherwise."})
final class IsSystemRunningCommand extends Verb {
    /**
     * How often --wait asks again. GetSystemState carries no events, and the boot it waits for
     * takes seconds: ten small questions a second cost the daemon nothing, and the caller learns of the end at most this late.
     */
    static final long WAIT_POLL_MILLIS = 100;

    @Option(names = "--wait", description = "While tollgated is starting, wait until its boot is done; then print the state.")
    boolean waitForBoot;

    @Override
    int execute() throws Exception {
        String state;
        try (ManagerClient client = connect()) {
            SystemState s = client.getSystemState();
            while (waitForBoot && !s.booted()) {
                Thread.sleep(WAIT_POLL_MILLIS);
                s = client.getSystemState();
            }
            state = s.wireName();
        } catch (NotRunningException offline) {
            state = "offline";
        } catch (VarlinkException e) {
            err().println("tollctl: failed to query the system state: " + Errors.describe(e));
            state = "unknown";
        }
        if (json()) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("systemState", state);
            root.printJson(m);
        } else if (!root.quiet) {
            out().println(state);
        }
        return state.equals(SystemState.RUNNING.wireName()) ? ExitCodes.SUCCESS : ExitCodes.FAILURE;
    }
}
