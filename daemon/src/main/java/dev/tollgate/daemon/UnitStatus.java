package dev.tollgate.daemon;

import dev.tollgate.accounting.CounterSums;
import dev.tollgate.api.ActiveState;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A consistent snapshot of one unit for queries: load and active state, processes, cgroup,
 * the effective policy, and its counters (empty where the unit has no accounting data).
 * {@code restrictNetworkInterfaces} is the unit's own setting as systemctl show prints it (null
 * for a unit without configuration); {@code restrictsInterfaces} whether it or a slice of it
 * restricts interfaces. {@code cgroupDirectory} is the unit's cgroup as a path to read from
 * (ControlGroupId=), null for a unit without one.
 */
public record UnitStatus(String name, String type, String description, String loadState, String loadError,
                         ActiveState activeState, String subState, long mainPid, List<Long> pids,
                         String controlGroup, String slice, long activeEnterTimestampMicros,
                         long stateChangeTimestampMicros, boolean ipAccounting, List<String> ipAddressAllow,
                         List<String> ipAddressDeny, String attachMode, boolean delegate, Optional<CounterSums> counters,
                         Optional<CounterSums> dropped, String result, long execMainPid, Optional<Integer> exitCode,
                         Optional<Integer> exitSignal, String failure, String accountingNote, boolean enabled, String fragmentPath,
                         List<String> dropInPaths, boolean isTransient, String restrictNetworkInterfaces,
                         boolean restrictsInterfaces, Path cgroupDirectory) {
    public UnitStatus {
        pids = List.copyOf(pids);
        dropInPaths = List.copyOf(dropInPaths);
        ipAddressAllow = List.copyOf(ipAddressAllow);
        ipAddressDeny = List.copyOf(ipAddressDeny);
    }

    /** A builder: the snapshot's figures set by name; unset strings are empty, lists and optionals empty. */
    static Builder builder() {
        return new Builder();
    }

    /** {@link UnitStatus} by named setters. */
    static final class Builder {
        private String name = "";
        private String type = "";
        private String description = "";
        private String loadState = "";
        private String loadError = "";
        private ActiveState activeState;
        private String subState = "";
        private long mainPid;
        private List<Long> pids = List.of();
        private String controlGroup = "";
        private String slice = "";
        private long activeEnterTimestampMicros;
        private long stateChangeTimestampMicros;
        private boolean ipAccounting;
        private List<String> ipAddressAllow = List.of();
        private List<String> ipAddressDeny = List.of();
        private String attachMode = "";
        private boolean delegate;
        private Optional<CounterSums> counters = Optional.empty();
        private Optional<CounterSums> dropped = Optional.empty();
        private String result = "";
        private long execMainPid;
        private Optional<Integer> exitCode = Optional.empty();
        private Optional<Integer> exitSignal = Optional.empty();
        private String failure = "";
        private String accountingNote = "";
        private boolean enabled;
        private String fragmentPath = "";
        private List<String> dropInPaths = List.of();
        private boolean isTransient;
        private String restrictNetworkInterfaces;
        private boolean restrictsInterfaces;
        private Path cgroupDirectory;

        private Builder() {}

        Builder name(String name) {
            this.name = name;
            return this;
        }

        Builder type(String type) {
            this.type = type;
            return this;
        }

        Builder description(String description) {
            this.description = description;
            return this;
        }

        Builder loadState(String loadState) {
            this.loadState = loadState;
            return this;
        }

        Builder loadError(String loadError) {
            this.loadError = loadError;
            return this;
        }

        Builder activeState(ActiveState activeState) {
            this.activeState = activeState;
            return this;
        }

        Builder subState(String subState) {
            this.subState = subState;
            return this;
        }

        Builder mainPid(long mainPid) {
            this.mainPid = mainPid;
            return this;
        }

        Builder pids(List<Long> pids) {
            this.pids = pids;
            return this;
        }

        Builder controlGroup(String controlGroup) {
            this.controlGroup = controlGroup;
            return this;
        }

        Builder slice(String slice) {
            this.slice = slice;
            return this;
        }

        Builder activeEnterTimestampMicros(long activeEnterTimestampMicros) {
            this.activeEnterTimestampMicros = activeEnterTimestampMicros;
            return this;
        }

        Builder stateChangeTimestampMicros(long stateChangeTimestampMicros) {
            this.stateChangeTimestampMicros = stateChangeTimestampMicros;
            return this;
        }

        Builder ipAccounting(boolean ipAccounting) {
            this.ipAccounting = ipAccounting;
            return this;
        }

        Builder ipAddressAllow(List<String> ipAddressAllow) {
            this.ipAddressAllow = ipAddressAllow;
            return this;
        }

        Builder ipAddressDeny(List<String> ipAddressDeny) {
            this.ipAddressDeny = ipAddressDeny;
            return this;
        }

        Builder attachMode(String attachMode) {
            this.attachMode = attachMode;
            return this;
        }

        Builder delegate(boolean delegate) {
            this.delegate = delegate;
            return this;
        }

        Builder counters(Optional<CounterSums> counters) {
            this.counters = counters;
            return this;
        }

        Builder dropped(Optional<CounterSums> dropped) {
            this.dropped = dropped;
            return this;
        }

        Builder result(String result) {
            this.result = result;
            return this;
        }

        Builder execMainPid(long execMainPid) {
            this.execMainPid = execMainPid;
            return this;
        }

        Builder exitCode(Optional<Integer> exitCode) {
            this.exitCode = exitCode;
            return this;
        }

        Builder exitSignal(Optional<Integer> exitSignal) {
            this.exitSignal = exitSignal;
            return this;
        }

        Builder failure(String failure) {
            this.failure = failure;
            return this;
        }

        Builder accountingNote(String accountingNote) {
            this.accountingNote = accountingNote;
            return this;
        }

        Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        Builder fragmentPath(String fragmentPath) {
            this.fragmentPath = fragmentPath;
            return this;
        }

        Builder dropInPaths(List<String> dropInPaths) {
            this.dropInPaths = dropInPaths;
            return this;
        }

        Builder isTransient(boolean isTransient) {
            this.isTransient = isTransient;
            return this;
        }

        Builder restrictNetworkInterfaces(String restrictNetworkInterfaces) {
            this.restrictNetworkInterfaces = restrictNetworkInterfaces;
            return this;
        }

        Builder restrictsInterfaces(boolean restrictsInterfaces) {
            this.restrictsInterfaces = restrictsInterfaces;
            return this;
        }

        Builder cgroupDirectory(Path cgroupDirectory) {
            this.cgroupDirectory = cgroupDirectory;
            return this;
        }

        UnitStatus build() {
            return new UnitStatus(name, type, description, loadState, loadError, activeState, subState, mainPid,
                    pids, controlGroup, slice, activeEnterTimestampMicros, stateChangeTimestampMicros, ipAccounting,
                    ipAddressAllow, ipAddressDeny, attachMode, delegate, counters, dropped, result, execMainPid,
                    exitCode, exitSignal, failure, accountingNote, enabled, fragmentPath, dropInPaths, isTransient,
                    restrictNetworkInterfaces, restrictsInterfaces, cgroupDirectory);
        }
    }
}
