package dev.tollgate.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Objects;

/**
 * The parameters of every {@code io.tollgate.Manager} call and reply, one record each, with
 * the interface description's field names. Nullable components are the description's
 * {@code ?type} fields (absent on the wire when null); list components are never null.
 * Methods without parameters ({@code Reload}, {@code Probe}, {@code GetMetrics}, {@code GetSystemState}) have no
 * request record.
 */
public final class Messages {
    private Messages() {}

    private static <T> List<T> list(List<T> l) {
        return l == null ? List.of() : List.copyOf(l);
    }

    private static <T> List<T> nullableList(List<T> l) {
        return l == null ? null : List.copyOf(l);
    }

    // ---- ListUnits ----

    /**
     * @param types only units of these types; null for all
     * @param states only units whose loadState, activeState or subState is one of these; null for all
     * @param all include inactive units; null means false
     */
    public record ListUnitsRequest(List<UnitType> types, List<String> states, Boolean all) {
        public ListUnitsRequest {
            types = nullableList(types);
            states = nullableList(states);
        }

        public static ListUnitsRequest everything() {
            return new ListUnitsRequest(null, null, true);
        }

        public boolean allOrFalse() {
            return all != null && all;
        }
    }

    public record ListUnitsReply(List<UnitInfo> units) {
        public ListUnitsReply {
            units = list(units);
        }
    }

    // ---- GetUnit ----

    public record GetUnitRequest(String name) {
        public GetUnitRequest {
            Objects.requireNonNull(name, "name");
        }
    }

    public record GetUnitReply(UnitInfo unit) {
        public GetUnitReply {
            Objects.requireNonNull(unit, "unit");
        }
    }

    // ---- GetUnits ----

    public record GetUnitsRequest(List<String> names) {
        public GetUnitsRequest {
            names = list(names);
        }
    }

    /** One unit per name asked, in that order; not-found units for names tollgated does not know. */
    public record GetUnitsReply(List<UnitInfo> units) {
        public GetUnitsReply {
            units = list(units);
        }
    }

    // ---- ListUnitFiles ----

    /**
     * @param patterns shell patterns the names must match one of; null for all
     * @param states states the files must be in one of; null for all
     */
    public record ListUnitFilesRequest(List<String> patterns, List<String> states) {
        public ListUnitFilesRequest {
            patterns = nullableList(patterns);
            states = nullableList(states);
        }
    }

    public record ListUnitFilesReply(List<UnitFile> unitFiles) {
        public ListUnitFilesReply {
            unitFiles = list(unitFiles);
        }
    }

    // ---- GetCounters ----

    /** @param names units and slices; null for every one with IPAccounting=yes */
    public record GetCountersRequest(List<String> names) {
        public GetCountersRequest {
            names = nullableList(names);
        }
    }

    public record GetCountersReply(List<CounterSample> samples) {
        public GetCountersReply {
            samples = list(samples);
        }
    }

    // ---- StartUnit, StopUnit, RestartUnit ----

    /** The request of StartUnit, StopUnit and RestartUnit. */
    public record UnitRequest(String name) {
        public UnitRequest {
            Objects.requireNonNull(name, "name");
        }
    }

    /** The reply of StartUnit, StopUnit and RestartUnit: the state the unit ended up in. */
    public record UnitStateReply(String name, ActiveState activeState, String subState) {
        public UnitStateReply {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(activeState, "activeState");
            Objects.requireNonNull(subState, "subState");
        }
    }

    // ---- Reload ----

    public record ReloadReply(List<Diagnostic> diagnostics) {
        public ReloadReply {
            diagnostics = list(diagnostics);
        }
    }

    // ---- RunTransient ----

    /**
     * @param name the unit's name, or null to have one made up
     * @param slice Slice=, or null
     * @param description Description=, or null
     * @param properties settings in order, or null
     * @param command the command and its arguments; not empty
     * @param waitForExit {@code wait} on the wire: whether to wait for the command to exit; null means false
     */
    public record RunTransientRequest(String name, String slice, String description, List<Property> properties,
                                      List<String> command, @JsonProperty("wait") Boolean waitForExit) {
        public RunTransientRequest {
            properties = nullableList(properties);
            command = list(command);
        }

        public boolean waitOrFalse() {
            return waitForExit != null && waitForExit;
        }
    }

    /**
     * @param result with wait: Result= (success, exit-code, signal, ...)
     * @param exitCode with wait: exited, killed or dumped
     * @param exitStatus with wait: the exit status or the signal number
     * @param counters with wait and IPAccounting=yes: the traffic of the whole run
     */
    public record RunTransientReply(String name, String result, String exitCode, Integer exitStatus, Counters counters) {
        public RunTransientReply {
            Objects.requireNonNull(name, "name");
        }

        public static RunTransientReply started(String name) {
            return new RunTransientReply(name, null, null, null, null);
        }
    }

    // ---- EnableUnit, DisableUnit ----

    /**
     * The reply of EnableUnit.
     *
     * @param carriesInstallInfo whether the unit has an [Install] section that does something
     */
    public record EnableUnitReply(boolean carriesInstallInfo, List<UnitFileChange> changes) {
        public EnableUnitReply {
            changes = list(changes);
        }
    }

    /** The reply of DisableUnit. */
    public record UnitFileChangesReply(List<UnitFileChange> changes) {
        public UnitFileChangesReply {
            changes = list(changes);
        }
    }

    // ---- GetUnitFile ----

    public record GetUnitFileReply(String name, String path, String text, List<DropIn> dropIns) {
        public GetUnitFileReply {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(text, "text");
            dropIns = list(dropIns);
        }
    }

    // ---- Probe ----

    /**
     * @param attachMode the mode in use; null when cgroup BPF is unavailable
     * @param cgroup2 the cgroup2 mount point, or null
     */
    public record ProbeReply(List<ProbeFeature> features, AttachMode attachMode, boolean attachModeForced,
                             String attachModeReason, String cgroup2, String kernel) {
        public ProbeReply {
            features = list(features);
            Objects.requireNonNull(attachModeReason, "attachModeReason");
            Objects.requireNonNull(kernel, "kernel");
        }
    }

    // ---- GetSystemState ----

    public record GetSystemStateReply(SystemState state) {
        public GetSystemStateReply {
            Objects.requireNonNull(state, "state");
        }
    }

    // ---- GetMetrics ----

    /** @param text the Prometheus text exposition format, version 0.0.4 */
    public record GetMetricsReply(String text) {
        public GetMetricsReply {
            Objects.requireNonNull(text, "text");
        }
    }

    // ---- GetDrops, WatchDrops ----

    /**
     * @param units only these units; null for all
     * @param since only events at or after this CLOCK_REALTIME microsecond; null for all kept
     */
    public record DropsRequest(List<String> units, Long since) {
        public DropsRequest {
            units = nullableList(units);
        }
    }

    public record GetDropsReply(List<DropEvent> events, List<DropEventCount> counts) {
        public GetDropsReply {
            events = list(events);
            counts = list(counts);
        }
    }

    /** @param missed events this stream dropped because the client did not keep up; null for none */
    public record WatchDropsReply(List<DropEvent> events, Long missed) {
        public WatchDropsReply {
            events = list(events);
        }
    }

    // ---- Subscribe ----

    /**
     * @param units the units to watch; null for every loaded unit
     * @param counterIntervalMs how often to send counter samples (at least 100); null for never
     */
    public record SubscribeRequest(List<String> units, Integer counterIntervalMs) {
        public SubscribeRequest {
            units = nullableList(units);
        }
    }

    /**
     * One reply of the Subscribe stream.
     *
     * @param timestamp CLOCK_MONOTONIC microseconds
     * @param changes with snapshot: every subscribed unit; with unitChange: those that changed
     * @param samples with counters, and with snapshot when an interval was asked for
     */
    public record SubscribeReply(EventKind kind, long timestamp, List<UnitChange> changes, List<CounterSample> samples) {
        public SubscribeReply {
            Objects.requireNonNull(kind, "kind");
            changes = nullableList(changes);
            samples = nullableList(samples);
        }

        public static SubscribeReply snapshot(long timestamp, List<UnitChange> units, List<CounterSample> samples) {
            return new SubscribeReply(EventKind.SNAPSHOT, timestamp, units, samples);
        }

        public static SubscribeReply unitChange(long timestamp, List<UnitChange> changes) {
            return new SubscribeReply(EventKind.UNIT_CHANGE, timestamp, changes, null);
        }

        public static SubscribeReply counters(long timestamp, List<CounterSample> samples) {
            return new SubscribeReply(EventKind.COUNTERS, timestamp, null, samples);
        }
    }
}
