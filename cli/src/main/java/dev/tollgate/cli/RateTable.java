package dev.tollgate.cli;

import dev.tollgate.api.CounterSample;
import dev.tollgate.api.Counters;
import dev.tollgate.api.UnitType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code top}'s table: each unit's traffic per second between two counter samples, sorted by
 * bytes per second in and out together (then by name), as {@code systemd-cgtop} sorts by its
 * chosen column. A unit without IPAccounting=yes (listed for its firewall's drops) has no
 * traffic to show: {@code [no data]} there, as show prints its counters, and null in JSON.
 */
public final class RateTable {
    /** One unit's rates over one interval, and its totals at the end of it; traffic null without IPAccounting=yes. */
    public record Row(String name, UnitType type, Double ingressBytesPerSecond, Double egressBytesPerSecond,
                      Double ingressPacketsPerSecond, Double egressPacketsPerSecond, double droppedPacketsPerSecond,
                      Long ingressBytes, Long egressBytes) {
        double total() {
            return ingressBytesPerSecond == null ? 0 : ingressBytesPerSecond + egressBytesPerSecond;
        }
    }

    private RateTable() {}

    /**
     * Rates of the units in {@code current} that were in {@code previous} too, with counters in
     * both. Each pair's own timestamps (CLOCK_MONOTONIC) give the interval; a counter that went
     * down (the unit restarted) counts from zero.
     */
    public static List<Row> rates(List<CounterSample> previous, List<CounterSample> current) {
        Map<String, CounterSample> before = new HashMap<>();
        for (CounterSample s : previous) {
            before.put(s.name(), s);
        }
        List<Row> rows = new ArrayList<>();
        for (CounterSample now : current) {
            CounterSample then = before.get(now.name());
            if (now.counters() == null) {
                continue;
            }
            Counters b = then == null || then.counters() == null ? null : then.counters();
            double seconds = then == null ? 0 : (now.timestamp() - then.timestamp()) / 1e6;
            Counters a = now.counters();
            boolean traffic = now.ipAccounting();
            rows.add(new Row(now.name(), now.type(),
                    traffic ? per(a.ingressBytes(), b == null ? a.ingressBytes() : b.ingressBytes(), seconds) : null,
                    traffic ? per(a.egressBytes(), b == null ? a.egressBytes() : b.egressBytes(), seconds) : null,
                    traffic ? per(a.ingressPackets(), b == null ? a.ingressPackets() : b.ingressPackets(), seconds) : null,
                    traffic ? per(a.egressPackets(), b == null ? a.egressPackets() : b.egressPackets(), seconds) : null,
                    per(a.ingressDroppedPackets() + a.egressDroppedPackets(),
                            b == null ? a.ingressDroppedPackets() + a.egressDroppedPackets()
                                    : b.ingressDroppedPackets() + b.egressDroppedPackets(), seconds),
                    traffic ? a.ingressBytes() : null, traffic ? a.egressBytes() : null));
        }
        rows.sort(Comparator.comparingDouble(Row::total).reversed().thenComparing(Row::name));
        return rows;
    }

    private static double per(long now, long then, double seconds) {
        if (seconds <= 0) {
            return 0;
        }
        long delta = now >= then ? now - then : now;
        return delta / seconds;
    }

    /** The table: a header, then one line per row, at most {@code limit} rows (0: all). */
    public static List<String> render(List<Row> rows, Style st, int limit) {
        String[] header = {"Unit", "In/s", "Out/s", "Pkts in/s", "Pkts out/s", "Drops/s", "In", "Out"};
        List<String[]> cells = new ArrayList<>();
        int n = 0;
        for (Row r : rows) {
            if (limit > 0 && n++ >= limit) {
                break;
            }
            if (r.ingressBytesPerSecond() == null) {
                String none = UnitProperties.NO_DATA;
                cells.add(new String[] {r.name(), none, none, none, none, packets(r.droppedPacketsPerSecond()), none, none});
                continue;
            }
            cells.add(new String[] {r.name(), Format.rate(r.ingressBytesPerSecond()), Format.rate(r.egressBytesPerSecond()),
                    packets(r.ingressPacketsPerSecond()), packets(r.egressPacketsPerSecond()),
                    packets(r.droppedPacketsPerSecond()), Format.bytes(r.ingressBytes()), Format.bytes(r.egressBytes())});
        }
        int[] width = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            width[i] = header[i].length();
        }
        for (String[] c : cells) {
            for (int i = 0; i < c.length; i++) {
                width[i] = Math.max(width[i], c[i].length());
            }
        }
        List<String> out = new ArrayList<>();
        out.add(st.bold(line(header, width)));
        for (String[] c : cells) {
            out.add(line(c, width));
        }
        return out;
    }

    private static String line(String[] c, int[] width) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < c.length; i++) {
            if (i == 0) {
                b.append(c[i]).append(" ".repeat(width[i] - c[i].length()));
            } else {
                b.append("  ").append(" ".repeat(width[i] - c[i].length())).append(c[i]);
            }
        }
        return b.toString();
    }

    private static String packets(double perSecond) {
        if (perSecond <= 0) {
            return "0";
        }
        if (perSecond < 10) {
            return String.format(java.util.Locale.ROOT, "%.1f", perSecond);
        }
        return Long.toString(Math.round(perSecond));
    }
}
