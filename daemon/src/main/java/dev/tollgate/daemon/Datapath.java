package dev.tollgate.daemon;

import dev.tollgate.accounting.CounterSums;
import dev.tollgate.accounting.UnitPolicy;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Units' programs and counters, as the manager uses them; {@link AccountingDatapath} is the
 * real one (the accounting module on bpffs), tests give a fake that can fail any step.
 * Installing, updating and removing are slow (program loads, attachments) and run off the
 * manager loop; counter reads never wait for them.
 */
interface Datapath {
    /** False where cgroup BPF is unavailable, or the datapath could not be set up; {@link #offReason} says why. */
    boolean available();

    String offReason();

    /** Installs a unit's programs with fresh counters; throws {@link Refused} or another exception when it cannot. */
    void start(UnitPolicy policy);

    /** Applies a changed policy to a running unit; its counters carry on. */
    void update(UnitPolicy policy);

    /** Takes over a running unit's pinned programs after a daemon restart; false when nothing is pinned. */
    boolean adopt(UnitPolicy policy);

    /** Removes a unit's programs; its counters as they were at the end, if it had any. */
    Optional<CounterSums> stop(String unit);

    /** The policy the unit's programs enforce now, if it has programs. */
    Optional<UnitPolicy> applied(String unit);

    Optional<CounterSums> unitCounters(String unit);

    Optional<CounterSums> sliceCounters(String slice);

    Map<String, CounterSums> allCounters();

    void retainSlices(Set<String> accounted);

    /** Removes what is pinned for units not in {@code running}; the units whose pins went. */
    java.util.List<String> removeStale(Set<String> running);

    /** The attach mode's name for status ({@code none} without a datapath). */
    String modeName();

    /** The datapath refuses the policy in this attach mode: the reason is the user's to read. */
    final class Refused extends RuntimeException {
        Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
