package dev.tollgate.daemon;

import dev.tollgate.accounting.Counters;
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
                         List<String> ipAddressDeny, String attachMode, boolean delegate, Optional<Counters> counters,
                         Optional<Counters> dropped, String result, long execMainPid, Optional<Integer> exitCode,
                         Optional<Integer> exitSignal, String failure, String accountingNote, boolean enabled, String fragmentPath,
                         List<String> dropInPaths, boolean isTransient, String restrictNetworkInterfaces,
                         boolean restrictsInterfaces, Path cgroupDirectory) {
    public UnitStatus {
        pids = List.copyOf(pids);
        dropInPaths = List.copyOf(dropInPaths);
        ipAddressAllow = List.copyOf(ipAddressAllow);
        ipAddressDeny = List.copyOf(ipAddressDeny);
    }
}
