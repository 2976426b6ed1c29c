package dev.tollgate.daemon;

import dev.tollgate.accounting.CounterSums;
import dev.tollgate.accounting.UnitPolicy;
import dev.tollgate.api.ActiveState;
import dev.tollgate.api.AttachMode;
import dev.tollgate.api.Counters;
import dev.tollgate.api.UnitChange;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.api.UnitType;
import dev.tollgate.cgroup.CgroupException;
import dev.tollgate.cgroup.Signals;
import dev.tollgate.libc.CgroupId;
import dev.tollgate.units.LoadResult;
import dev.tollgate.units.ServiceConfig;
import dev.tollgate.units.SliceConfig;
import dev.tollgate.units.UnitConfig;
import dev.tollgate.units.UnitName;
import dev.tollgate.units.UnitSuffix;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What queries show of a unit: its published record, with the live figures read now (counters
 * from the maps, processes from its cgroup). Never waits for the manager loop.
 */
final class StatusProjection {
    private final Units units;
    private final CgroupOps cgroups;
    private final Datapath datapath;
    private final UnitPolicies policies;
    private final InstallLinks install;

    StatusProjection(Units units, CgroupOps cgroups, Datapath datapath, UnitPolicies policies, InstallLinks install) {
        this.units = units;
        this.cgroups = cgroups;
        this.datapath = datapath;
        this.policies = policies;
        this.install = install;
    }

    /**
     * The unit as queries show it (its UnitFileState= as the unit knows it: {@link Manager#unitFileState}
     * works it out as list-unit-files does). Counters are there for a unit with IPAccounting=yes,
     * and for one with a firewall (its dropped figures; clients show the traffic figures as
     * [no data] when ipAccounting is false, as systemd does).
     */
    UnitInfo status(UnitRecord u) {
        UnitConfig c = u.config();
        List<String> allow = List.of();
        List<String> deny = List.of();
        boolean accounting = false;
        boolean delegate = false;
        String interfaces = null;
        boolean restrictsInterfaces = false;
        String slice = null;
        CgroupOps.UnitCgroup cg = null;
        if (c != null) {
            List<SliceConfig> chain = units.publishedSliceChain(c);
            allow = PolicyBuilder.effectiveAllow(c, chain).entries().stream().map(Object::toString).toList();
            deny = PolicyBuilder.effectiveDeny(c, chain).entries().stream().map(Object::toString).toList();
            accounting = c.resources().ipAccounting();
            delegate = c.resources().delegate().enabled();
            interfaces = c.resources().restrictNetworkInterfaces().text();
            restrictsInterfaces = c.resources().restrictNetworkInterfaces().restricts()
                    || chain.stream().anyMatch(x -> x.resources().restrictNetworkInterfaces().restricts());
            slice = c.parentSlice().map(UnitName::id).orElse(null);
            cg = cgroupOf(c);
        }
        Optional<CounterSums> counters = c instanceof SliceConfig ? datapath.sliceCounters(u.name().id())
                : datapath.unitCounters(u.name().id());
        if (counters.isEmpty() && u.lastCounters() != null) counters = Optional.of(u.lastCounters());
        boolean firewall = !allow.isEmpty() || !deny.isEmpty() || restrictsInterfaces;
        Optional<CounterSums> shown = accounting ? counters
                : firewall ? counters.filter(x -> u.hasDatapath() || u.lastCounters() != null) : Optional.empty();
        State state = state(u, cg);
        List<Integer> pids = List.of();
        if (cg != null && state.active() != ActiveState.INACTIVE) {
            try {
                if (cg.exists()) pids = cg.processes().stream().map(Long::intValue).toList();
            } catch (CgroupException | RuntimeException e) {
                pids = List.of();
            }
        }
        String mode = datapath.modeName();
        return UnitInfo.builder(u.name().id(), type(u.name()), c == null ? u.name().id() : c.unit().description().orElse(u.name().id()))
                .loadState(loadState(u))
                .activeState(state.active())
                .subState(state.sub())
                .result(u.result().spelling())
                .fragmentPath(c == null ? null : c.sources().fragment().map(Path::toString).orElse(null))
                .dropInPaths(c == null ? List.of() : c.sources().dropIns().stream().map(Path::toString).toList())
                .unitFileState(u.isTransient() ? "transient" : install.isEnabled(u.name()) ? "enabled"
                        : u.name().type() == UnitSuffix.SLICE ? "static" : "disabled")
                .mainPID(u.mainPid() > 0 ? (int) u.mainPid() : null)
                .pids(pids)
                .controlGroup(cg == null ? null : cg.controlGroup())
                .slice(slice)
                .activeEnterTimestamp(micros(u.activeEnter()) == 0 ? null : micros(u.activeEnter()))
                .ipAccounting(accounting)
                .ipAddressAllow(allow)
                .ipAddressDeny(deny)
                .attachMode(mode.equals("none") ? null : AttachMode.fromWire(mode))
                .delegate(delegate)
                .counters(shown.map(StatusProjection::counters).orElse(null))
                .lastError(lastError(u, state.active()))
                .execMainPID(u.execMainPid() > 0 ? (int) u.execMainPid() : null)
                .execMainCode(u.exitSignal() != null ? "killed" : u.exitCode() != null ? "exited" : null)
                .execMainStatus(u.exitSignal() != null ? u.exitSignal() : u.exitCode())
                .restrictNetworkInterfaces(interfaces)
                .controlGroupId(cg == null ? null : controlGroupId(cg.directory()))
                .stateChangeTimestamp(micros(u.stateChange()) == 0 ? null : micros(u.stateChange()))
                .build();
    }

    /** The unit's state as subscribers see it, stamped with when it was entered (CLOCK_REALTIME, µs). */
    UnitChange change(UnitRecord u) {
        UnitConfig c = u.config();
        State state = state(u, c instanceof SliceConfig ? cgroupOf(c) : null);
        return new UnitChange(u.name().id(), type(u.name()), loadState(u), state.active(), state.sub(), micros(u.stateChange()));
    }

    /**
     * The one place the daemon's counters become the API's: by name, since the two records order
     * their figures differently (the accounting maps' layout puts packets first).
     */
    static Counters counters(CounterSums c) {
        return Counters.builder()
                .ingressBytes(c.ingressBytes()).ingressPackets(c.ingressPackets())
                .egressBytes(c.egressBytes()).egressPackets(c.egressPackets())
                .ingressDroppedBytes(c.ingressDroppedBytes()).ingressDroppedPackets(c.ingressDroppedPackets())
                .egressDroppedBytes(c.egressDroppedBytes()).egressDroppedPackets(c.egressDroppedPackets())
                .build();
    }

    private static UnitType type(UnitName n) {
        return UnitType.fromWire(n.type().suffix());
    }

    private static String loadState(UnitRecord u) {
        return switch (u.load()) {
            case null -> u.config() != null ? "loaded" : "not-found";
            case LoadResult.Loaded l -> "loaded";
            case LoadResult.Masked m -> "masked";
            case LoadResult.NotFound nf -> u.config() != null ? "loaded" : "not-found";
            case LoadResult.Failed f -> "bad-setting";
        };
    }

    /** The unit's cgroup: services and slices have one (made or not), other units none. */
    private CgroupOps.UnitCgroup cgroupOf(UnitConfig c) {
        return c instanceof ServiceConfig || c instanceof SliceConfig ? cgroups.of(c) : null;
    }

    private record State(ActiveState active, String sub) {}

    /** A service's state is its own; a slice is active while its cgroup exists. */
    private static State state(UnitRecord u, CgroupOps.UnitCgroup cg) {
        if (u.config() instanceof SliceConfig) {
            SliceState s = cg.exists() ? SliceState.ACTIVE : SliceState.DEAD;
            return new State(s.activeState(), s.spelling());
        }
        return new State(u.activeState(), u.state().spelling());
    }

    /** LastError=: why it did not load, why accounting is off, or how it failed; null when none of these. */
    private static String lastError(UnitRecord u, ActiveState state) {
        if (u.load() instanceof LoadResult.Failed f && !f.reason().isEmpty()) return f.reason();
        if (!u.accountingNote().isEmpty()) return u.accountingNote();
        if (state == ActiveState.FAILED) {
            String result = u.result().spelling();
            if (!u.failure().isEmpty()) return result + ": " + u.failure();
            return result + (u.exitCode() == null ? "" : ", status " + u.exitCode())
                    + (u.exitSignal() == null ? "" : ", signal " + Signals.name(u.exitSignal()));
        }
        return null;
    }

    /** ControlGroupId=: the id of the unit's cgroup as the kernel has it now; null while there is none. */
    private static Long controlGroupId(Path directory) {
        try {
            return CgroupId.of(directory);
        } catch (IOException e) {
            return null; // not created yet, or removed since: no cgroup
        }
    }

    private static long micros(Instant i) {
        return i == null ? 0 : i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }

    /** Which of a unit's counters are its figures to show (see {@link Manager.CounterView}). */
    Manager.CounterView counterView(UnitConfig c) {
        if (c instanceof SliceConfig) return new Manager.CounterView(c.resources().ipAccounting(), false);
        List<SliceConfig> chain = units.publishedSliceChain(c);
        CounterViewMemo m = counterViews.get(c.name());
        if (m != null && m.config() == c && sameObjects(m.chain(), chain)) return m.view();
        UnitPolicy p = policies.of(c, chain);
        Manager.CounterView view = new Manager.CounterView(c.resources().ipAccounting(), p.firewall() || p.restrictsInterfaces());
        // Units come and go (transient ones by name): the memo is dropped when it holds far more than there are.
        if (counterViews.size() > 2 * units.snapshot().size() + 64) counterViews.clear();
        counterViews.put(c.name(), new CounterViewMemo(c, chain, view));
        return view;
    }

    /**
     * A unit's counter view while its config and its slices' are the same objects (a reload or
     * a change makes new ones; both booleans depend on nothing else): building the policy
     * reduces address lists and resolves the cgroup, and GetCounters asks for every unit on
     * every call (1,000 units: ~3 MB of garbage per call).
     */
    private record CounterViewMemo(UnitConfig config, List<SliceConfig> chain, Manager.CounterView view) {}

    private final Map<UnitName, CounterViewMemo> counterViews = new ConcurrentHashMap<>();

    private static boolean sameObjects(List<SliceConfig> a, List<SliceConfig> b) {
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i) != b.get(i)) return false;
        }
        return true;
    }
}
