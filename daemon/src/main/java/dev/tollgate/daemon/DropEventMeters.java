package dev.tollgate.daemon;

import dev.tollgate.accounting.DropEventCounters;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code tollgate_drop_events_total{unit}} and {@code tollgate_drop_events_suppressed_total{unit}}:
 * what each running unit's program reported and held back (over IPDropEventRate=, or the ring
 * full), from its events map at scrape time, so they are exact across daemon restarts and reset
 * when the unit starts, as its other counters.
 */
final class DropEventMeters {
    private final MeterRegistry registry;
    private final Supplier<Map<String, DropEventCounters>> counts;
    private volatile Map<String, DropEventCounters> snapshot = Map.of();
    private final Map<String, List<Meter>> meters = new HashMap<>();

    DropEventMeters(MeterRegistry registry, Supplier<Map<String, DropEventCounters>> counts) {
        this.registry = registry;
        this.counts = counts;
    }

    /** Reads the counts now and registers or removes units' series; called before each scrape. */
    synchronized void refresh() {
        Map<String, DropEventCounters> now = counts.get();
        snapshot = now;
        for (String unit : now.keySet()) {
            meters.computeIfAbsent(unit, u -> List.of(
                    FunctionCounter.builder("tollgate.drop.events", this,
                                    m -> m.snapshot.getOrDefault(u, DropEventCounters.ZERO).emitted())
                            .description("Drop events the unit's program reported").tag("unit", u).register(registry),
                    FunctionCounter.builder("tollgate.drop.events.suppressed", this,
                                    m -> m.snapshot.getOrDefault(u, DropEventCounters.ZERO).suppressed())
                            .description("Drop events the unit's program held back: over IPDropEventRate=, or the ring buffer full")
                            .tag("unit", u).register(registry)));
        }
        for (String gone : Set.copyOf(meters.keySet())) {
            if (!now.containsKey(gone)) meters.remove(gone).forEach(registry::remove);
        }
    }
}
