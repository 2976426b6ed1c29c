package dev.tollgate.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
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
 * @param controlGroupId the kernel's id of the unit's cgroup (ControlGroupId=), or null while it has none
 * @param stateChangeTimestamp CLOCK_REALTIME microseconds of the last change of its active state, or null
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
        String restrictNetworkInterfaces,
        Long controlGroupId,
        Long stateChangeTimestamp) {

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

    /** How {@code systemctl show} prints a kind of value ({@code bus_print_property}). */
    public enum Shown {
        /** A string as it is; empty when null. */
        TEXT,
        /** Strings separated by spaces. */
        LIST,
        /** A number, 0 when null: never empty. */
        NUMBER,
        /** An IP counter: the unsigned number, {@code [no data]} when null (systemd's UINT64_MAX). */
        COUNTER,
        /** yes or no. */
        BOOLEAN,
        /** CLOCK_REALTIME microseconds as a date in the local zone; empty when null. */
        TIMESTAMP
    }

    /**
     * The unit properties, as systemd spells them, in the order {@code tollctl show} prints
     * them, each with how it is shown and how it is read from a {@link UnitInfo}: the one table
     * from which {@code show}, {@code show -p} and {@code show --value} follow. A property that
     * is a component of its own is added here, as a component (with its builder setter and its
     * wire field in {@link Builder#read}) and in the interface description.
     */
    public enum Property {
        ID("Id", Shown.TEXT),
        NAMES("Names", Shown.TEXT),
        DESCRIPTION("Description", Shown.TEXT),
        LOAD_STATE("LoadState", Shown.TEXT),
        ACTIVE_STATE("ActiveState", Shown.TEXT),
        SUB_STATE("SubState", Shown.TEXT),
        RESULT("Result", Shown.TEXT),
        FRAGMENT_PATH("FragmentPath", Shown.TEXT),
        DROP_IN_PATHS("DropInPaths", Shown.LIST),
        UNIT_FILE_STATE("UnitFileState", Shown.TEXT),
        STATE_CHANGE_TIMESTAMP("StateChangeTimestamp", Shown.TIMESTAMP),
        ACTIVE_ENTER_TIMESTAMP("ActiveEnterTimestamp", Shown.TIMESTAMP),
        MAIN_PID("MainPID", Shown.NUMBER),
        EXEC_MAIN_PID("ExecMainPID", Shown.NUMBER),
        EXEC_MAIN_CODE("ExecMainCode", Shown.NUMBER),
        EXEC_MAIN_STATUS("ExecMainStatus", Shown.NUMBER),
        CONTROL_GROUP("ControlGroup", Shown.TEXT),
        CONTROL_GROUP_ID("ControlGroupId", Shown.NUMBER),
        SLICE("Slice", Shown.TEXT),
        DELEGATE("Delegate", Shown.BOOLEAN),
        IP_ACCOUNTING("IPAccounting", Shown.BOOLEAN),
        IP_ADDRESS_ALLOW("IPAddressAllow", Shown.LIST),
        IP_ADDRESS_DENY("IPAddressDeny", Shown.LIST),
        RESTRICT_NETWORK_INTERFACES("RestrictNetworkInterfaces", Shown.TEXT),
        IP_INGRESS_BYTES("IPIngressBytes", Shown.COUNTER),
        IP_INGRESS_PACKETS("IPIngressPackets", Shown.COUNTER),
        IP_EGRESS_BYTES("IPEgressBytes", Shown.COUNTER),
        IP_EGRESS_PACKETS("IPEgressPackets", Shown.COUNTER),
        IP_INGRESS_DROPPED_BYTES("IPIngressDroppedBytes", Shown.COUNTER),
        IP_INGRESS_DROPPED_PACKETS("IPIngressDroppedPackets", Shown.COUNTER),
        IP_EGRESS_DROPPED_BYTES("IPEgressDroppedBytes", Shown.COUNTER),
        IP_EGRESS_DROPPED_PACKETS("IPEgressDroppedPackets", Shown.COUNTER),
        ATTACH_MODE("AttachMode", Shown.TEXT),
        LAST_ERROR("LastError", Shown.TEXT);

        private final String systemdName;
        private final Shown shown;

        Property(String systemdName, Shown shown) {
            this.systemdName = systemdName;
            this.shown = shown;
        }

        /** The name as systemd spells it: {@code IPIngressBytes}. */
        public String systemdName() {
            return systemdName;
        }

        public Shown shown() {
            return shown;
        }

        /**
         * The value of {@code u}'s property: a String, a List of them, a Number, a Boolean, or
         * null (see {@link Shown} for what null shows as). A switch rather than a lambda per
         * property: each lambda costs a class spun at first use, and {@code show} must start fast.
         */
        public Object value(UnitInfo u) {
            Counters c = u.counters();
            // IPIngressBytes= and the like exist only with IPAccounting=yes (else systemd has UINT64_MAX).
            // The daemon may send counters for a unit without accounting (it has a firewall, or a
            // slice above it counts): those are for the dropped figures only.
            Counters traffic = u.ipAccounting() ? c : null;
            return switch (this) {
                case ID, NAMES -> u.name();
                case DESCRIPTION -> u.description() == null || u.description().isEmpty() ? u.name() : u.description();
                case LOAD_STATE -> u.loadState();
                case ACTIVE_STATE -> u.activeState().wireName();
                case SUB_STATE -> u.subState();
                case RESULT -> u.result();
                case FRAGMENT_PATH -> u.fragmentPath();
                case DROP_IN_PATHS -> u.dropInPaths();
                case UNIT_FILE_STATE -> u.unitFileState();
                case STATE_CHANGE_TIMESTAMP -> u.stateChangeTimestamp();
                case ACTIVE_ENTER_TIMESTAMP -> u.activeEnterTimestamp();
                case MAIN_PID -> u.mainPID();
                case EXEC_MAIN_PID -> u.execMainPID() != null ? u.execMainPID() : u.mainPID();
                // systemd's numbers: 0 while running or before, then CLD_EXITED 1, CLD_KILLED 2, CLD_DUMPED 3.
                case EXEC_MAIN_CODE -> switch (u.execMainCode() == null ? "" : u.execMainCode()) {
                    case "exited" -> 1;
                    case "killed" -> 2;
                    case "dumped" -> 3;
                    default -> 0;
                };
                case EXEC_MAIN_STATUS -> u.execMainStatus();
                case CONTROL_GROUP -> u.controlGroup();
                case CONTROL_GROUP_ID -> u.controlGroupId();
                case SLICE -> u.slice();
                case DELEGATE -> u.delegate();
                case IP_ACCOUNTING -> u.ipAccounting();
                case IP_ADDRESS_ALLOW -> u.ipAddressAllow();
                case IP_ADDRESS_DENY -> u.ipAddressDeny();
                // As systemd 257 prints it, "~" included for a unit without the setting.
                case RESTRICT_NETWORK_INTERFACES -> u.restrictNetworkInterfaces();
                case IP_INGRESS_BYTES -> traffic == null ? null : traffic.ingressBytes();
                case IP_INGRESS_PACKETS -> traffic == null ? null : traffic.ingressPackets();
                case IP_EGRESS_BYTES -> traffic == null ? null : traffic.egressBytes();
                case IP_EGRESS_PACKETS -> traffic == null ? null : traffic.egressPackets();
                case IP_INGRESS_DROPPED_BYTES -> c == null ? null : c.ingressDroppedBytes();
                case IP_INGRESS_DROPPED_PACKETS -> c == null ? null : c.ingressDroppedPackets();
                case IP_EGRESS_DROPPED_BYTES -> c == null ? null : c.egressDroppedBytes();
                case IP_EGRESS_DROPPED_PACKETS -> c == null ? null : c.egressDroppedPackets();
                case ATTACH_MODE -> u.attachMode() == null ? null : u.attachMode().wireName();
                case LAST_ERROR -> u.lastError();
            };
        }
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
        b.controlGroupId = controlGroupId;
        b.stateChangeTimestamp = stateChangeTimestamp;
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
        private Long controlGroupId;
        private Long stateChangeTimestamp;

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

        /**
         * Sets the component whose wire field (as the interface description names it) the
         * parser is at the value of; skips a field it does not know (a newer daemon's) and null.
         * Reading field by field rather than by Jackson's data binding: binding a record the first
         * time introspects it by reflection, which costs a cold client tens of milliseconds.
         */
        public Builder read(String field, JsonParser p) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_NULL) {
                return this;
            }
            switch (field) {
                case "name" -> name = p.getText();
                case "type" -> type = UnitType.fromWire(p.getText());
                case "description" -> description = p.getText();
                case "loadState" -> loadState = p.getText();
                case "activeState" -> activeState = ActiveState.fromWire(p.getText());
                case "subState" -> subState = p.getText();
                case "result" -> result = p.getText();
                case "fragmentPath" -> fragmentPath = p.getText();
                case "dropInPaths" -> dropInPaths = strings(p);
                case "unitFileState" -> unitFileState = p.getText();
                case "mainPID" -> mainPID = p.getIntValue();
                case "pids" -> pids = ints(p);
                case "controlGroup" -> controlGroup = p.getText();
                case "slice" -> slice = p.getText();
                case "activeEnterTimestamp" -> activeEnterTimestamp = p.getLongValue();
                case "ipAccounting" -> ipAccounting = p.getBooleanValue();
                case "ipAddressAllow" -> ipAddressAllow = strings(p);
                case "ipAddressDeny" -> ipAddressDeny = strings(p);
                case "attachMode" -> attachMode = AttachMode.fromWire(p.getText());
                case "delegate" -> delegate = p.getBooleanValue();
                case "counters" -> counters = Counters.read(p);
                case "lastError" -> lastError = p.getText();
                case "execMainPID" -> execMainPID = p.getIntValue();
                case "execMainCode" -> execMainCode = p.getText();
                case "execMainStatus" -> execMainStatus = p.getIntValue();
                case "restrictNetworkInterfaces" -> restrictNetworkInterfaces = p.getText();
                case "controlGroupId" -> controlGroupId = p.getLongValue();
                case "stateChangeTimestamp" -> stateChangeTimestamp = p.getLongValue();
                default -> p.skipChildren();
            }
            return this;
        }

        /** Whether the fields without which there is no unit (name, type, activeState) were set. */
        public boolean isComplete() {
            return name != null && type != null && activeState != null;
        }

        private static List<String> strings(JsonParser p) throws IOException {
            List<String> out = new ArrayList<>();
            if (p.currentToken() != JsonToken.START_ARRAY) {
                p.skipChildren();
                return out;
            }
            while (p.nextToken() != JsonToken.END_ARRAY) {
                out.add(p.getText());
            }
            return out;
        }

        private static List<Integer> ints(JsonParser p) throws IOException {
            List<Integer> out = new ArrayList<>();
            if (p.currentToken() != JsonToken.START_ARRAY) {
                p.skipChildren();
                return out;
            }
            while (p.nextToken() != JsonToken.END_ARRAY) {
                out.add(p.getIntValue());
            }
            return out;
        }

        public Builder controlGroupId(Long controlGroupId) {
            this.controlGroupId = controlGroupId;
            return this;
        }

        public Builder stateChangeTimestamp(Long stateChangeTimestamp) {
            this.stateChangeTimestamp = stateChangeTimestamp;
            return this;
        }

        public UnitInfo build() {
            return new UnitInfo(name, type, description, loadState, activeState, subState, result, fragmentPath,
                    dropInPaths, unitFileState, mainPID, pids, controlGroup, slice, activeEnterTimestamp, ipAccounting,
                    ipAddressAllow, ipAddressDeny, attachMode, delegate, counters, lastError, execMainPID, execMainCode,
                    execMainStatus, restrictNetworkInterfaces, controlGroupId, stateChangeTimestamp);
        }
    }
}
