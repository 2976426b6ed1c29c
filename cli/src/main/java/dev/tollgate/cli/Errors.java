package dev.tollgate.cli;

import dev.tollgate.api.Diagnostic;
import dev.tollgate.api.ManagerError;
import dev.tollgate.varlink.VarlinkException;
import java.util.stream.Collectors;

/**
 * Error replies as one line each, worded as systemctl words them ("Failed to start
 * x.service: Unit x.service not found.") and with its exit codes
 * ({@code translate_bus_error_to_exit_status}: access denied 4, no such unit 5, bad unit 6).
 */
final class Errors {
    private Errors() {}

    /** The error of a job verb (start, stop, restart) on one unit. */
    static Failure job(String verb, String unit, VarlinkException e) {
        return failure("Failed to " + verb + " " + unit + ": ", verb, e);
    }

    /** The same with the words before the reason given: {@code Failed to start transient service unit: }. */
    static Failure failure(String prefix, String verb, VarlinkException e) {
        return switch (ManagerError.from(e).orElse(null)) {
            case ManagerError.NoSuchUnit n -> new Failure(ExitCodes.NOT_INSTALLED,
                    prefix + "Unit " + n.name() + (verb.equals("stop") ? " not loaded." : " not found."));
            case ManagerError.PermissionDenied p -> new Failure(ExitCodes.NO_PERMISSION, prefix + accessDenied());
            case ManagerError.InvalidUnit i -> new Failure(ExitCodes.NOT_CONFIGURED,
                    prefix + "Unit " + i.name() + " has a bad unit file setting" + diagnostics(i) + ".");
            case ManagerError.UnitFailed f -> new Failure(ExitCodes.FAILURE,
                    prefix + sentence(stripJobFor(f.reason(), f.name())) + " See 'tollctl status " + f.name() + "' for details.");
            case ManagerError.UnitExists x -> new Failure(ExitCodes.FAILURE, prefix + "Unit " + x.name() + " already exists.");
            case ManagerError.NotRunning n -> new Failure(ExitCodes.FAILURE, prefix + "tollgated is " + n.state() + ", try again later.");
            case null, default -> new Failure(ExitCodes.FAILURE, prefix + describe(e));
        };
    }

    /** "Access denied", and who may: as polkit's refusal reads in systemctl. */
    static String accessDenied() {
        return "Access denied (changes are for root and tollgated's admin group).";
    }

    /** An error reply that no verb handles specially, in words. */
    static String describe(VarlinkException e) {
        return switch (ManagerError.from(e).orElse(null)) {
            case ManagerError.NoSuchUnit n -> "Unit " + n.name() + " not found.";
            case ManagerError.PermissionDenied p -> accessDenied();
            case ManagerError.UnitFailed f -> sentence(f.reason());
            case ManagerError.InvalidUnit i -> "Unit " + i.name() + " has a bad unit file setting" + diagnostics(i) + ".";
            case ManagerError.UnitExists x -> "Unit " + x.name() + " already exists.";
            case ManagerError.NotRunning n -> "tollgated is " + n.state() + ", try again later.";
            case ManagerError.InternalError i -> "tollgated failed: " + sentence(i.message());
            case ManagerError.ProtocolError p -> "protocol error: " + p.reason();
            case ManagerError.TooManyConnections t -> "tollgated serves too many connections (" + t.max() + "), try again later.";
            case ManagerError.TooManyStreams t -> "tollgated serves too many streams (" + t.max() + "), try again later.";
            case ManagerError.DropEventsUnavailable d -> "No drop events on this host: " + sentence(d.reason());
            case null -> e.error().memberName() + (e.error().parameters().isEmpty() ? "" : " " + e.error().parameters());
        };
    }

    private static String diagnostics(ManagerError.InvalidUnit i) {
        if (i.diagnostics().isEmpty()) {
            return "";
        }
        return ": " + i.diagnostics().stream().map(Diagnostic::toString).map(s -> s.replace('\n', ' '))
                .collect(Collectors.joining("; "));
    }

    /** The daemon words some failures "Job for x.service failed: why"; the prefix already says so. */
    private static String stripJobFor(String reason, String unit) {
        String p = "Job for " + unit + " failed: ";
        return reason.startsWith(p) ? reason.substring(p.length()) : reason;
    }

    private static String sentence(String s) {
        String t = s.strip().replace('\n', ' ');
        if (t.isEmpty()) {
            return t;
        }
        return t.endsWith(".") ? t : t + ".";
    }
}
