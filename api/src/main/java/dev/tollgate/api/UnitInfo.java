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
        return new UnitInfo(name, type, description, loadState, activeState, subState, result, fragmentPath, dropInPaths, state,
                mainPID, pids, controlGroup, slice, activeEnterTimestamp, ipAccounting, ipAddressAllow, ipAddressDeny, attachMode,
                delegate, counters, lastError, execMainPID, execMainCode, execMainStatus, restrictNetworkInterfaces);
    }

    /** Without RestrictNetworkInterfaces= (for builders that know none). */
    public UnitInfo(String name, UnitType type, String description, String loadState, ActiveState activeState,
                    String subState, String result, String fragmentPath, List<String> dropInPaths, String unitFileState,
                    Integer mainPID, List<Integer> pids, String controlGroup, String slice, Long activeEnterTimestamp,
                    boolean ipAccounting, List<String> ipAddressAllow, List<String> ipAddressDeny, AttachMode attachMode,
                    boolean delegate, Counters counters, String lastError, Integer execMainPID, String execMainCode,
                    Integer execMainStatus) {
        this(name, type, description, loadState, activeState, subState, result, fragmentPath, dropInPaths, unitFileState,
                mainPID, pids, controlGroup, slice, activeEnterTimestamp, ipAccounting, ipAddressAllow, ipAddressDeny,
                attachMode, delegate, counters, lastError, execMainPID, execMainCode, execMainStatus, null);
    }

    /** Whether the unit's traffic is restricted to, or kept from, some interfaces (names listed). */
    public boolean restrictsInterfaces() {
        return restrictNetworkInterfaces != null && !restrictNetworkInterfaces.isEmpty() && !restrictNetworkInterfaces.equals("~");
    }

    /** Without the last run's main process and exit (for builders that know none). */
    public UnitInfo(String name, UnitType type, String description, String loadState, ActiveState activeState,
                    String subState, String result, String fragmentPath, List<String> dropInPaths, String unitFileState,
                    Integer mainPID, List<Integer> pids, String controlGroup, String slice, Long activeEnterTimestamp,
                    boolean ipAccounting, List<String> ipAddressAllow, List<String> ipAddressDeny, AttachMode attachMode,
                    boolean delegate, Counters counters, String lastError) {
        this(name, type, description, loadState, activeState, subState, result, fragmentPath, dropInPaths, unitFileState,
                mainPID, pids, controlGroup, slice, activeEnterTimestamp, ipAccounting, ipAddressAllow, ipAddressDeny,
                attachMode, delegate, counters, lastError, null, null, null);
    }

    /** A loaded, inactive unit with nothing else known: a start for builders and tests. */
    public static UnitInfo inactive(String name, UnitType type, String description) {
        return new UnitInfo(name, type, description, "loaded", ActiveState.INACTIVE, "dead", null, null, List.of(), null,
                null, List.of(), null, null, null, false, List.of(), List.of(), null, false, null, null);
    }
}
