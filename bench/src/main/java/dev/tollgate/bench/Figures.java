package dev.tollgate.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Median and spread of a handful of samples, and the formatting the benchmarks print. */
record Figures(double median, double min, double max) {
    static Figures of(List<Double> samples) {
        double[] s = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (s.length == 0) return new Figures(Double.NaN, Double.NaN, Double.NaN);
        double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        return new Figures(median, s[0], s[s.length - 1]);
    }

    static Figures of(double... samples) {
        return of(Arrays.stream(samples).boxed().toList());
    }

    /** Half the range relative to the median, in percent: how far the rounds strayed. */
    double spreadPercent() {
        return median == 0 ? Double.NaN : 100 * (max - min) / 2 / Math.abs(median);
    }

    String ns() {
        return String.format(Locale.ROOT, "%7.1f", median);
    }

    String range(String format) {
        return String.format(Locale.ROOT, "[" + format + ".." + format + "]", min, max);
    }

    static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
