package dev.tollgate.api;

import dev.tollgate.varlink.idl.InterfaceDescription;
import java.nio.file.Path;

/**
 * The {@code io.tollgate.Manager} Varlink interface: its name, socket, description and the
 * fully qualified names of its methods and errors. The description (resource
 * {@code io.tollgate.Manager.varlink}) is the contract; the records in this package follow it
 * field by field, and a test keeps them in step.
 */
public final class ManagerInterface {
    public static final String INTERFACE = "io.tollgate.Manager";

    /** Where tollgated listens unless told otherwise. */
    public static final Path DEFAULT_SOCKET = Path.of("/run/tollgate/io.tollgate.Manager");

    public static final String LIST_UNITS = INTERFACE + ".ListUnits";
    public static final String GET_UNIT = INTERFACE + ".GetUnit";
    public static final String GET_UNITS = INTERFACE + ".GetUnits";
    public static final String LIST_UNIT_FILES = INTERFACE + ".ListUnitFiles";
    public static final String GET_COUNTERS = INTERFACE + ".GetCounters";
    public static final String START_UNIT = INTERFACE + ".StartUnit";
    public static final String STOP_UNIT = INTERFACE + ".StopUnit";
    public static final String RESTART_UNIT = INTERFACE + ".RestartUnit";
    public static final String RELOAD = INTERFACE + ".Reload";
    public static final String RUN_TRANSIENT = INTERFACE + ".RunTransient";
    public static final String ENABLE_UNIT = INTERFACE + ".EnableUnit";
    public static final String DISABLE_UNIT = INTERFACE + ".DisableUnit";
    public static final String GET_UNIT_FILE = INTERFACE + ".GetUnitFile";
    public static final String PROBE = INTERFACE + ".Probe";
    public static final String GET_METRICS = INTERFACE + ".GetMetrics";
    public static final String GET_SYSTEM_STATE = INTERFACE + ".GetSystemState";
    public static final String SUBSCRIBE = INTERFACE + ".Subscribe";
    public static final String GET_DROPS = INTERFACE + ".GetDrops";
    public static final String WATCH_DROPS = INTERFACE + ".WatchDrops";

    public static final String NO_SUCH_UNIT = INTERFACE + ".NoSuchUnit";
    public static final String PERMISSION_DENIED = INTERFACE + ".PermissionDenied";
    public static final String UNIT_FAILED = INTERFACE + ".UnitFailed";
    public static final String INVALID_UNIT = INTERFACE + ".InvalidUnit";
    public static final String UNIT_EXISTS = INTERFACE + ".UnitExists";
    public static final String NOT_RUNNING = INTERFACE + ".NotRunning";
    public static final String PROTOCOL_ERROR = INTERFACE + ".ProtocolError";
    public static final String TOO_MANY_CONNECTIONS = INTERFACE + ".TooManyConnections";
    public static final String TOO_MANY_STREAMS = INTERFACE + ".TooManyStreams";
    public static final String DROP_EVENTS_UNAVAILABLE = INTERFACE + ".DropEventsUnavailable";
    public static final String INTERNAL_ERROR = INTERFACE + ".InternalError";

    private static final InterfaceDescription DESCRIPTION =
            InterfaceDescription.fromResource(ManagerInterface.class, "io.tollgate.Manager.varlink");

    private ManagerInterface() {}

    /** The parsed description; its {@code text()} is what GetInterfaceDescription returns. */
    public static InterfaceDescription description() {
        return DESCRIPTION;
    }

    /** Whether a method changes something (and so is for uid 0 and the configured group only). */
    public static boolean isChange(String method) {
        return switch (method.startsWith(INTERFACE + ".") ? method.substring(INTERFACE.length() + 1) : method) {
            case "StartUnit", "StopUnit", "RestartUnit", "Reload", "RunTransient", "EnableUnit", "DisableUnit" -> true;
            default -> false;
        };
    }
}
