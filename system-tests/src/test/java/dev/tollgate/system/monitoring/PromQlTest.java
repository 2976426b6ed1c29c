package dev.tollgate.system.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.system.monitoring.PromQl.Selector;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The PromQL reader MonitoringFilesTest relies on: what it finds, and what it refuses. */
class PromQlTest {
    @Test
    void findsSelectorsAndTheirMatchersButNotFunctionsOrAggregations() {
        PromQl.Query q = PromQl.parse("""
                sum by (instance, unit) (rate(tollgate_unit_ip_ingress_bytes_total{instance=~"$instance", unit!="a,b}"}[$__rate_interval]))
                """);
        assertThat(q.selectors()).containsExactly(new Selector("tollgate_unit_ip_ingress_bytes_total", Set.of("instance", "unit")));
        assertThat(q.groupingLabels()).containsExactlyInAnyOrder("instance", "unit");
    }

    @Test
    void readsRecordedNamesOffsetsBinaryMatchingAndTrailingGrouping() {
        PromQl.Query q = PromQl.parse("""
                unit:tollgate_ip_dropped_packets:rate5m > 1
                unless on (instance, job, unit)
                unit:tollgate_ip_dropped_packets:rate5m <= 2 * unit:tollgate_ip_dropped_packets:rate1h offset 5m
                + sum(rate(x_total[5m:1m])) without (kind) * on (a) group_left (b) y
                """);
        assertThat(q.selectors()).extracting(Selector::metric).containsExactly("unit:tollgate_ip_dropped_packets:rate5m",
                "unit:tollgate_ip_dropped_packets:rate5m", "unit:tollgate_ip_dropped_packets:rate1h", "x_total", "y");
        assertThat(q.groupingLabels()).containsExactlyInAnyOrder("instance", "job", "unit", "kind", "a", "b");
    }

    @Test
    void labelValuesCountsItsLabelAsOneOfTheSelectorsMetric() {
        assertThat(PromQl.parse("label_values(tollgate_units{instance=~\"$instance\"}, state)").selectors())
                .containsExactly(new Selector("tollgate_units", Set.of("instance", "state")));
        assertThat(PromQl.parse("label_values(instance)").groupingLabels()).containsExactly("instance");
        assertThat(PromQl.parse("{__name__=\"up\", job=\"x\"}").selectors()).containsExactly(new Selector("up", Set.of("job")));
    }

    @Test
    void refusesWhatItCannotRead() {
        assertThatThrownBy(() -> PromQl.parse("rate(a{unit=}[5m])")).hasMessageContaining("a quoted label value");
        assertThatThrownBy(() -> PromQl.parse("a{unit=\"x\"")).hasMessageContaining("closed");
        assertThatThrownBy(() -> PromQl.parse("{__name__=~\"tollgate_.*\"}")).hasMessageContaining("__name__ only");
        assertThatThrownBy(() -> PromQl.parse("sum(a) by (\"x\")")).hasMessageContaining("a label name in by");
        assertThatThrownBy(() -> PromQl.parse("a ; b")).hasMessageContaining("unexpected ';'");
    }
}
