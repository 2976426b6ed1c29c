package dev.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.CounterSample;
import dev.tollgate.api.Counters;
import dev.tollgate.api.UnitType;
import java.util.List;
import org.junit.jupiter.api.Test;

class RateTableTest {
    @Test
    void ratesOverEachPairsOwnIntervalBusiestFirst() {
        List<CounterSample> before = List.of(
                new CounterSample("a.service", UnitType.SERVICE, 1_000_000, new Counters(0, 0, 0, 0, 0, 0, 0, 0)),
                new CounterSample("b.service", UnitType.SERVICE, 1_000_000, new Counters(1000, 10, 0, 0, 0, 0, 0, 0)));
        List<CounterSample> after = List.of(
                new CounterSample("a.service", UnitType.SERVICE, 3_000_000, new Counters(2048, 20, 4096, 40, 0, 4, 0, 0)),
                new CounterSample("b.service", UnitType.SERVICE, 3_000_000, new Counters(200, 2, 0, 0, 0, 0, 0, 0)),
                new CounterSample("c.service", UnitType.SERVICE, 3_000_000, null));
        List<RateTable.Row> rows = RateTable.rates(before, after);
        assertThat(rows).extracting(RateTable.Row::name).containsExactly("a.service", "b.service");
        assertThat(rows.get(0).ingressBytesPerSecond()).isEqualTo(1024.0);
        assertThat(rows.get(0).egressBytesPerSecond()).isEqualTo(2048.0);
        assertThat(rows.get(0).droppedPacketsPerSecond()).isEqualTo(2.0);
        // b restarted: its counter went down, so it counts from zero: 200 bytes in 2 s.
        assertThat(rows.get(1).ingressBytesPerSecond()).isEqualTo(100.0);
        rows = RateTable.rates(before, List.of(after.get(0), after.get(1)));
        assertThat(RateTable.render(rows, Style.PLAIN, 0)).containsExactly(
                "Unit         In/s   Out/s  Pkts in/s  Pkts out/s  Drops/s    In   Out",
                "a.service  1.0K/s  2.0K/s         10          20      2.0  2.0K  4.0K",
                "b.service  100B/s    0B/s        1.0           0        0  200B    0B");
        assertThat(RateTable.render(rows, Style.PLAIN, 1)).hasSize(2);
    }

    /** A unit without IPAccounting=yes, sampled for its firewall's drops, has no traffic to show. */
    @Test
    void withoutAccountingNoTrafficOnlyDrops() {
        List<CounterSample> before = List.of(
                new CounterSample("fw.service", UnitType.SERVICE, 1_000_000, new Counters(5000, 50, 5000, 50, 0, 0, 100, 2), false));
        List<CounterSample> after = List.of(
                new CounterSample("fw.service", UnitType.SERVICE, 2_000_000, new Counters(9000, 90, 9000, 90, 0, 0, 200, 4), false));
        List<RateTable.Row> rows = RateTable.rates(before, after);
        assertThat(rows.getFirst().ingressBytesPerSecond()).isNull();
        assertThat(rows.getFirst().ingressBytes()).isNull();
        assertThat(rows.getFirst().droppedPacketsPerSecond()).isEqualTo(2.0);
        assertThat(RateTable.render(rows, Style.PLAIN, 0)).containsExactly(
                "Unit             In/s      Out/s  Pkts in/s  Pkts out/s  Drops/s         In        Out",
                "fw.service  [no data]  [no data]  [no data]   [no data]      2.0  [no data]  [no data]");
    }
}
