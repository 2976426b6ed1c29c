package dev.tollgate.api;

import dev.tollgate.varlink.VarlinkError;
import dev.tollgate.varlink.VarlinkException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The errors of {@code io.tollgate.Manager}, typed. The daemon throws
 * {@code new ManagerError.NoSuchUnit(name).toException()}; the CLI turns what it caught back
 * with {@link #from(VarlinkError)} and switches over the cases.
 */
public sealed interface ManagerError {

    /** The fully qualified Varlink error name. */
    String errorName();

    default VarlinkError toVarlinkError() {
        return VarlinkError.of(errorName(), this);
    }

    default VarlinkException toException() {
        return new VarlinkException(toVarlinkError());
    }

    /** The typed error, when it is one of the Manager's. */
    static Optional<ManagerError> from(VarlinkError e) {
        Class<? extends ManagerError> type = switch (e.name()) {
            case ManagerInterface.NO_SUCH_UNIT -> NoSuchUnit.class;
            case ManagerInterface.PERMISSION_DENIED -> PermissionDenied.class;
            case ManagerInterface.UNIT_FAILED -> UnitFailed.class;
            case ManagerInterface.INVALID_UNIT -> InvalidUnit.class;
            case ManagerInterface.UNIT_EXISTS -> UnitExists.class;
            case ManagerInterface.NOT_RUNNING -> NotRunning.class;
            case ManagerInterface.PROTOCOL_ERROR -> ProtocolError.class;
            case ManagerInterface.TOO_MANY_CONNECTIONS -> TooManyConnections.class;
            case ManagerInterface.TOO_MANY_STREAMS -> TooManyStreams.class;
            case ManagerInterface.DROP_EVENTS_UNAVAILABLE -> DropEventsUnavailable.class;
            case ManagerInterface.INTERNAL_ERROR -> InternalError.class;
            default -> null;
        };
        if (type == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(e.parametersAs(type));
        } catch (IllegalArgumentException bad) {
            return Optional.empty();
        }
    }

    static Optional<ManagerError> from(VarlinkException e) {
        return from(e.error());
    }

    /** No unit of that name is loaded, and there is no unit file of that name. */
    record NoSuchUnit(String name) implements ManagerError {
        public NoSuchUnit {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public String errorName() {
            return ManagerInterface.NO_SUCH_UNIT;
        }
    }

    /** The caller may not do this; {@code method} is the fully qualified method refused. */
    record PermissionDenied(String method) implements ManagerError {
        public PermissionDenied {
            Objects.requireNonNull(method, "method");
        }

        @Override
        public String errorName() {
            return ManagerInterface.PERMISSION_DENIED;
        }
    }

    /** The unit failed: reason is its Result= or what went wrong before it could run. */
    record UnitFailed(String name, String reason) implements ManagerError {
        public UnitFailed {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public String errorName() {
            return ManagerInterface.UNIT_FAILED;
        }
    }

    /** The unit's file has errors. */
    record InvalidUnit(String name, List<Diagnostic> diagnostics) implements ManagerError {
        public InvalidUnit {
            Objects.requireNonNull(name, "name");
            diagnostics = diagnostics == null ? List.of() : List.copyOf(diagnostics);
        }

        @Override
        public String errorName() {
            return ManagerInterface.INVALID_UNIT;
        }
    }

    /** RunTransient was given the name of a loaded unit. */
    record UnitExists(String name) implements ManagerError {
        public UnitExists {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public String errorName() {
            return ManagerInterface.UNIT_EXISTS;
        }
    }

    /** The manager is not running normally (state: the SystemState it is in, stopping) and does not take this call now. */
    record NotRunning(String state) implements ManagerError {
        public NotRunning {
            Objects.requireNonNull(state, "state");
        }

        @Override
        public String errorName() {
            return ManagerInterface.NOT_RUNNING;
        }
    }

    /** A message could not be understood; the connection is closed after it. */
    record ProtocolError(String reason) implements ManagerError {
        public ProtocolError {
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public String errorName() {
            return ManagerInterface.PROTOCOL_ERROR;
        }
    }

    /** The server already serves max connections. */
    record TooManyConnections(long max) implements ManagerError {
        @Override
        public String errorName() {
            return ManagerInterface.TOO_MANY_CONNECTIONS;
        }
    }

    /** The server already serves max streams. */
    record TooManyStreams(long max) implements ManagerError {
        @Override
        public String errorName() {
            return ManagerInterface.TOO_MANY_STREAMS;
        }
    }

    /** No drop events on this host (no datapath, or no BPF ring buffers). */
    record DropEventsUnavailable(String reason) implements ManagerError {
        public DropEventsUnavailable {
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public String errorName() {
            return ManagerInterface.DROP_EVENTS_UNAVAILABLE;
        }
    }

    /** Something went wrong inside the daemon. */
    record InternalError(String message) implements ManagerError {
        public InternalError {
            Objects.requireNonNull(message, "message");
        }

        @Override
        public String errorName() {
            return ManagerInterface.INTERNAL_ERROR;
        }
    }
}
