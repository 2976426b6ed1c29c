package dev.tollgate.daemon;

import dev.tollgate.api.ActiveState;
import dev.tollgate.accounting.Counters;
import dev.tollgate.accounting.UnitPolicy;
import dev.tollgate.cgroup.CgroupException;
import dev.tollgate.units.LoadResult;
import dev.tollgate.units.ServiceConfig;
import dev.tollgate.units.SliceConfig;
import dev.tollgate.units.UnitConfig;
import dev.tollgate.units.UnitName;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

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
     * A unit's load, active and sub state: what ListUnits filters on, from the published record
     * alone (a slice's state is whether its cgroup exists), so a filter costs no live figures.
     */
    record States(UnitName name, String loadState, ActiveState activeState, String subState) {}

    States states(UnitRecord u) {
        UnitConfig c = u.config();
        String loadState = switch (u.load()) {
            case null -> c != null ? "loaded" : "not-found";
            case LoadResult.Loaded l -> "loaded";
            case LoadResult.Masked m -> "masked";
            case LoadResult.NotFound nf -> c != null ? "loaded" : "not-found";
            case LoadResult.Failed f -> "bad-setting";
        };
        if (c instanceof SliceConfig) {
            SliceState s = cgroups.of(c).exists() ? SliceState.ACTIVE : SliceState.DEAD;
            return new States(u.name(), loadState, s.activeState(), s.spelling());
        }
        return new States(u.name(), loadState, u.activeState(), u.state().spelling());
    }

    UnitStatus status(UnitRecord u) {
        return status(u, states(u));
    }

    /** The unit's full status, its {@code states} read already. */
    UnitStatus status(UnitRecord u, States states) {
        UnitConfig c = u.config();
        String loadState = states.loadState();
        String loadError = u.load() instanceof LoadResult.Failed f ? f.reason() : "";
        List<String> allow = List.of();
        List<String> deny = List.of();
        boolean accounting = false;
        boolean delegate = false;
        String interfaces = null;
        boolean restrictsInterfaces = false;
        String slice = "";
        String cgroup = "";
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
            slice = c.parentSlice().map(UnitName::id).orElse("");
            if (c instanceof ServiceConfig || c instanceof SliceConfig) {
                cg = cgroups.of(c);
                cgroup = cg.controlGroup();
            }
        }
        Optional<Counters> counters = c instanceof SliceConfig ? datapath.sliceCounters(u.name().id())
                : datapath.unitCounters(u.name().id());
        if (counters.isEmpty() && u.lastCounters() != null) counters = Optional.of(u.lastCounters());
        Optional<Counters> traffic = accounting ? counters : Optional.empty();
        Optional<Counters> dropped = counters.filter(x -> u.hasDatapath() || u.lastCounters() != null);
        ActiveState state = states.activeState();
        String sub = states.subState();
        List<Long> pids = List.of();
        if (cg != null && state != ActiveState.INACTIVE) {
            try {
                if (cg.exists()) pids = cg.processes();
            } catch (CgroupException | RuntimeException e) {
                pids = List.of();
            }
        }
        return UnitStatus.builder()
                .name(u.name().id())
                .type(u.name().type().name().toLowerCase(Locale.ROOT))
                .description(c == null ? u.name().id() : c.unit().description().orElse(u.name().id()))
                .loadState(loadState)
                .loadError(loadError)
                .activeState(state)
                .subState(sub)
                .mainPid(u.mainPid())
                .pids(pids)
                .controlGroup(cgroup)
                .slice(slice)
                .activeEnterTimestampMicros(micros(u.activeEnter()))
                .stateChangeTimestampMicros(micros(u.stateChange()))
                .ipAccounting(accounting)
                .ipAddressAllow(allow)
                .ipAddressDeny(deny)
                .attachMode(datapath.modeName())
                .delegate(delegate)
                .counters(traffic)
                .dropped(dropped)
                .result(u.result().spelling())
                .execMainPid(u.execMainPid())
                .exitCode(Optional.ofNullable(u.exitCode()))
                .exitSignal(Optional.ofNullable(u.exitSignal()))
                .failure(u.failure())
                .accountingNote(u.accountingNote())
                .enabled(install.isEnabled(u.name()))
                .fragmentPath(c == null ? "" : c.sources().fragment().map(Path::toString).orElse(""))
                .dropInPaths(c == null ? List.of() : c.sources().dropIns().stream().map(Path::toString).toList())
                .isTransient(u.isTransient())
                .restrictNetworkInterfaces(interfaces)
                .restrictsInterfaces(restrictsInterfaces)
                .cgroupDirectory(cg == null ? null : cg.directory())
                .build();
    }

    private static long micros(Instant i) {
        return i == null ? 0 : i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }

    /** Which of a unit's counters are its figures to show (see {@link Manager.CounterView}). */
    Manager.CounterView counterView(UnitConfig c) {
        if (c instanceof SliceConfig) return new Manager.CounterView(c.resources().ipAccounting(), false);
        UnitPolicy p = policies.of(c, units.publishedSliceChain(c));
        return new Manager.CounterView(c.resources().ipAccounting(), p.firewall() || p.restrictsInterfaces());
    }
}
