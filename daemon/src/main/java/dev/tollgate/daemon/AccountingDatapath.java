package dev.tollgate.daemon;

import dev.tollgate.accounting.Accounting;
import dev.tollgate.accounting.CounterSums;
import dev.tollgate.accounting.PolicyRefused;
import dev.tollgate.accounting.UnitDatapath;
import dev.tollgate.accounting.UnitPolicy;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The real datapath: {@link Accounting}, or none (null) where cgroup BPF is unavailable. */
final class AccountingDatapath implements Datapath {
    private final Accounting accounting;
    private final String offReason;

    AccountingDatapath(Accounting accounting, String offReason) {
        this.accounting = accounting;
        this.offReason = offReason;
    }

    @Override
    public boolean available() {
        return accounting != null;
    }

    @Override
    public String offReason() {
        return offReason;
    }

    private Accounting acc() {
        if (accounting == null) throw new IllegalStateException("no datapath: " + offReason);
        return accounting;
    }

    @Override
    public void start(UnitPolicy policy) {
        try {
            acc().start(policy);
        } catch (PolicyRefused e) {
            throw new Refused(e.getMessage(), e);
        }
    }

    @Override
    public void update(UnitPolicy policy) {
        try {
            acc().update(policy);
        } catch (PolicyRefused e) {
            throw new Refused(e.getMessage(), e);
        }
    }

    @Override
    public boolean adopt(UnitPolicy policy) {
        return acc().adopt(policy).isPresent();
    }

    @Override
    public Optional<CounterSums> stop(String unit) {
        if (accounting == null) return Optional.empty();
        Optional<CounterSums> last = accounting.unitCounters(unit);
        accounting.stop(unit);
        return last;
    }

    @Override
    public Optional<UnitPolicy> applied(String unit) {
        return accounting == null ? Optional.empty() : accounting.unit(unit).map(UnitDatapath::applied);
    }

    @Override
    public Optional<CounterSums> unitCounters(String unit) {
        return accounting == null ? Optional.empty() : accounting.unitCounters(unit);
    }

    @Override
    public Optional<CounterSums> sliceCounters(String slice) {
        return accounting == null ? Optional.empty() : accounting.sliceCounters(slice);
    }

    @Override
    public Map<String, CounterSums> allCounters() {
        return accounting == null ? Map.of() : accounting.allCounters();
    }

    @Override
    public void retainSlices(Set<String> accounted) {
        if (accounting != null) accounting.retainSlices(accounted);
    }

    @Override
    public List<String> removeStale(Set<String> running) {
        return accounting == null ? List.of() : accounting.removeStale(running);
    }

    @Override
    public String modeName() {
        return accounting == null ? "none" : accounting.mode().configName();
    }
}
