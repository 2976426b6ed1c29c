package dev.tollgate.api;

import java.util.List;
import java.util.Objects;

/**
 * A unit as {@code systemctl status} and {@code systemctl show} describe it (IDL
 * {@code UnitInfo}). Nullable components are absent on the wire when null; lists are never null.
 *
 * @param loadState loaded, not-found, bad-setting, error or masked
 * @param subState running, exited, dead, failed, auto-restart, ... (services); active, dead (slices)
 * @param result success, exit-code, signal, core-dump, timeout, ...; or null
 * @param unitFileState enabled, disabled, static, indirect, masked, alias, linked, transient or bad; or null
 * @param mainPID the main process, or null
 * @param controlGroup the cgroup path below the cgroup2 mount ({@code /tollgate.slice/web.service}), or null
 * @param slice the slice the unit is in, or null for the root slice
 * @param activeEnterTimestamp CLOCK_REALTIME microseconds of the last entry into active, or null
 * @param attachMode how programs are attached; null while nothing is
 * @param counters null without {@code IPAccounting=yes} (systemd's {@code [no data]})
 * @param execMainPID the main process of the last run, kept after it exited (ExecMainPID=), or null
 * @param execMainCode how it ended: exited, killed or dumped (ExecMainCode=); null while it runs
 * @param execMainStatus its exit status or the signal number (ExecMainStatus=); 203 when it could not be executed
 * @param restrictNetworkInterfaces the unit's own RestrictNetworkInterfaces= as {@code systemctl show} prints it
 *     ({@code lo veth0}, {@code ~veth0}; {@code ~} without the setting), or null from a daemon that does not say
 */
public record UnitInfo(
        String name,
        UnitType type,
        String description,
        String loadState,
        ActiveState activeState,
        String subState,
        String result,
        String fragmentPath,
        List<String> dropInPaths,
        String unitFileState,
        Integer mainPID,
        List<Integer> pids,
        String controlGroup,
        String slice,
        Long activeEnterTimestamp,
        boolean ipAccounting,
        List<String> ipAddressAllow,
        List<String> ipAddressDeny,
        AttachMode attachMode,
        boolean delegate,
        Counters counters,
        String lastError,
        Integer execMainPID,
        String execMainCode,
        Integer execMainStatus,
        String restrictNetworkInterfaces) {

    public UnitInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(loadState, "loadState");
        Objects.requireNonNull(activeState, "activeState");
        Objects.requireNonNull(subState, "subState");
        dropInPaths = dropInPaths == null ? List.of() : List.copyOf(dropInPaths);
        pids = pids == null ? List.of() : List.copyOf(pids);
        ipAddressAllow = ipAddressAllow == null ? List.of() : List.copyOf(ipAddressAllow);
        ipAddressDeny = ipAddressDeny == null ? List.of() : List.copyOf(ipAddressDeny);
    }

    /** This unit with another {@code unitFileState}. */
    public UnitInfo withUnitFileState(String state) {
        return toBuilder().unitFileState(state).build();
    }

    /** Whether the unit's traffic is restricted to, or kept from, some interfaces (names listed). */
    public boolean restrictsInterfaces() {
        return restrictNetworkInterfaces != null && !restrictNetworkInterfaces.isEmpty() && !restrictNetworkInterfaces.equals("~");
    }

    /** A loaded, inactive unit with nothing else known: a start for builders and tests. */
    public static UnitInfo inactive(String name, UnitType type, String description) {
        return builder(name, type, description).build();
    }

    /**
     * A builder for a unit with nothing known but its name, type and description (loaded,
     * inactive, dead): set the rest by name rather than by position.
     */
    public static Builder builder(String name, UnitType type, String description) {
        return new Builder().name(name).type(type).description(description);
    }

    /** A builder holding this unit's values, to change some by name. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.name = name;
        b.type = type;
        b.description = description;
        b.loadState = loadState;
        b.activeState = activeState;
        b.subState = subState;
        b.result = result;
        b.fragmentPath = fragmentPath;
        b.dropInPaths = dropInPaths;
        b.unitFileState = unitFileState;
        b.mainPID = mainPID;
        b.pids = pids;
        b.controlGroup = controlGroup;
        b.slice = slice;
        b.activeEnterTimestamp = activeEnterTimestamp;
        b.ipAccounting = ipAccounting;
        b.ipAddressAllow = ipAddressAllow;
        b.ipAddressDeny = ipAddressDeny;
        b.attachMode = attachMode;
        b.delegate = delegate;
        b.counters = counters;
        b.lastError = lastError;
        b.execMainPID = execMainPID;
        b.execMainCode = execMainCode;
        b.execMainStatus = execMainStatus;
        b.restrictNetworkInterfaces = restrictNetworkInterfaces;
        return b;
    }

    /** {@link UnitInfo} by named setters; unset components are null, false or empty. */
    public static final class Builder {
        private String name;
        private UnitType type;
        private String description;
        private String loadState = "loaded";
        private ActiveState activeState = ActiveState.INACTIVE;
        private String subState = "dead";
        private String result;
        private String fragmentPath;
        private List<String> dropInPaths = List.of();
        private String unitFileState;
        private Integer mainPID;
        private List<Integer> pids = List.of();
        private String controlGroup;
        private String slice;
        private Long activeEnterTimestamp;
        private boolean ipAccounting;
        private List<String> ipAddressAllow = List.of();
        private List<String> ipAddressDeny = List.of();
        private AttachMode attachMode;
        private boolean delegate;
        private Counters counters;
        private String lastError;
        private Integer execMainPID;
        private String execMainCode;
        private Integer execMainStatus;
        private String restrictNetworkInterfaces;

        private Builder() {}

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder type(UnitType type) {
            this.type = type;
            return this;
        }

        public Builder description(String description) {
            this.description = description;
            return this;
        }

        public Builder loadState(String loadState) {
            this.loadState = loadState;
            return this;
        }

        public Builder activeState(ActiveState activeState) {
            this.activeState = activeState;
            return this;
        }

        public Builder subState(String subState) {
            this.subState = subState;
            return this;
        }

        public Builder result(String result) {
            this.result = result;
            return this;
        }

        public Builder fragmentPath(String fragmentPath) {
            this.fragmentPath = fragmentPath;
            return this;
        }

        public Builder dropInPaths(List<String> dropInPaths) {
            this.dropInPaths = dropInPaths;
            return this;
        }

        public Builder unitFileState(String unitFileState) {
            this.unitFileState = unitFileState;
            return this;
        }

        public Builder mainPID(Integer mainPID) {
            this.mainPID = mainPID;
            return this;
        }

        public Builder pids(List<Integer> pids) {
            this.pids = pids;
            return this;
        }

        public Builder controlGroup(String controlGroup) {
            this.controlGroup = controlGroup;
            return this;
        }

        public Builder slice(String slice) {
            this.slice = slice;
            return this;
        }

        public Builder activeEnterTimestamp(Long activeEnterTimestamp) {
            this.activeEnterTimestamp = activeEnterTimestamp;
            return this;
        }

        public Builder ipAccounting(boolean ipAccounting) {
            this.ipAccounting = ipAccounting;
            return this;
        }

        public Builder ipAddressAllow(List<String> ipAddressAllow) {
            this.ipAddressAllow = ipAddressAllow;
            return this;
        }

        public Builder ipAddressDeny(List<String> ipAddressDeny) {
            this.ipAddressDeny = ipAddressDeny;
            return this;
        }

        public Builder attachMode(AttachMode attachMode) {
            this.attachMode = attachMode;
            return this;
        }

        public Builder delegate(boolean delegate) {
            this.delegate = delegate;
            return this;
        }

        public Builder counters(Counters counters) {
            this.counters = counters;
            return this;
        }

        public Builder lastError(String lastError) {
            this.lastError = lastError;
            return this;
        }

        public Builder execMainPID(Integer execMainPID) {
            this.execMainPID = execMainPID;
            return this;
        }

        public Builder execMainCode(String execMainCode) {
            this.execMainCode = execMainCode;
            return this;
        }

        public Builder execMainStatus(Integer execMainStatus) {
            this.execMainStatus = execMainStatus;
            return this;
        }

        public Builder restrictNetworkInterfaces(String restrictNetworkInterfaces) {
            this.restrictNetworkInterfaces = restrictNetworkInterfaces;
            return this;
        }

        public UnitInfo build() {
            return new UnitInfo(name, type, description, loadState, activeState, subState, result, fragmentPath,
                    dropInPaths, unitFileState, mainPID, pids, controlGroup, slice, activeEnterTimestamp, ipAccounting,
                    ipAddressAllow, ipAddressDeny, attachMode, delegate, counters, lastError, execMainPID, execMainCode,
                    execMainStatus, restrictNetworkInterfaces);
        }
    }
}
