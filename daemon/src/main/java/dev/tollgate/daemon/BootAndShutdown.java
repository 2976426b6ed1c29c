package dev.tollgate.daemon;

import dev.tollgate.units.ServiceConfig;
import dev.tollgate.units.UnitConfig;
import dev.tollgate.units.UnitLoader;
import dev.tollgate.units.UnitName;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Boot and shutdown in waves: a unit ordered After= another of the set waits for that one's
 * wave; the units of one wave have their jobs at once, as systemd runs independent jobs. At
 * shutdown the waves go in reverse, so a unit stops before what it was ordered after.
 */
final class BootAndShutdown {
    private BootAndShutdown() {}

    /** What the default target wants and requires. */
    static Set<UnitName> wanted(UnitLoader loader) {
        LinkedHashSet<UnitName> wanted = new LinkedHashSet<>(loader.requires(Manager.DEFAULT_TARGET));
        wanted.addAll(loader.wants(Manager.DEFAULT_TARGET));
        return wanted;
    }

    /** The units in waves, first wave first. */
    static List<List<UnitName>> waves(Set<UnitName> units, Function<UnitName, UnitConfig> configs) {
        Map<UnitName, Integer> wave = new LinkedHashMap<>();
        Map<UnitName, Set<UnitName>> after = orderingWithin(units, configs);
        for (UnitName n : units) waveOf(n, after, wave, new HashSet<>());
        int count = wave.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        List<List<UnitName>> out = new ArrayList<>();
        for (int w = 0; w < count; w++) {
            final int current = w;
            out.add(wave.entrySet().stream().filter(e -> e.getValue() == current).map(Map.Entry::getKey).toList());
        }
        return out;
    }

    /**
     * Runs {@code job} on every unit of a wave at once, and the next wave once they have all
     * finished; completes (never exceptionally: a failed job is logged) when the last wave has.
     */
    static CompletableFuture<Void> inWaves(List<List<UnitName>> waves, Function<UnitName, CompletableFuture<?>> job) {
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (List<UnitName> now : waves) {
            chain = chain.thenCompose(x -> {
                List<CompletableFuture<?>> all = new ArrayList<>();
                for (UnitName n : now) {
                    all.add(job.apply(n).exceptionally(e -> {
                        Throwable why = e instanceof java.util.concurrent.CompletionException c ? c.getCause() : e;
                        Log.error("%s: %s", n, why instanceof ManagerException ? why.getMessage() : why.toString());
                        return null;
                    }));
                }
                return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
            });
        }
        return chain;
    }

    /** The running services of a snapshot: what a shutdown stops. */
    static Set<UnitName> running(Map<UnitName, UnitRecord> snapshot) {
        Set<UnitName> out = new LinkedHashSet<>();
        snapshot.values().stream()
                .filter(u -> u.config() instanceof ServiceConfig && !u.state().isInactive())
                .forEach(u -> out.add(u.name()));
        return out;
    }

    private static int waveOf(UnitName n, Map<UnitName, Set<UnitName>> after, Map<UnitName, Integer> wave, Set<UnitName> visiting) {
        Integer known = wave.get(n);
        if (known != null) return known;
        if (!visiting.add(n)) return 0;
        int level = 0;
        for (UnitName other : after.getOrDefault(n, Set.of())) level = Math.max(level, waveOf(other, after, wave, visiting) + 1);
        wave.put(n, level);
        return level;
    }

    /** For each unit, the units of the set it is ordered after (After= on it, Before= on the other). */
    private static Map<UnitName, Set<UnitName>> orderingWithin(Set<UnitName> set, Function<UnitName, UnitConfig> configs) {
        Map<UnitName, Set<UnitName>> after = new HashMap<>();
        for (UnitName n : set) {
            UnitConfig c = configs.apply(n);
            if (c == null) continue;
            for (UnitName a : c.unit().after()) {
                if (set.contains(a) && !a.equals(n)) after.computeIfAbsent(n, k -> new HashSet<>()).add(a);
            }
            for (UnitName b : c.unit().before()) {
                if (set.contains(b) && !b.equals(n)) after.computeIfAbsent(b, k -> new HashSet<>()).add(n);
            }
        }
        return after;
    }
}
