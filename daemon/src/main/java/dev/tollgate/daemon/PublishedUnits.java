package dev.tollgate.daemon;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The units as the manager loop published them: an immutable map that a publication makes
 * from the last one and what changed, without copying every unit. It is a base map and the
 * changes since (a removed unit maps to null there); once the changes outgrow a share of the
 * base (twice its square root, at least 32), they are merged into a new base. So a publication
 * costs about the square root of the units, where a copy of the whole map cost all of them - after
 * each batch of events, thousands of times in a boot or stop of 1,000 units.
 */
final class PublishedUnits<K, V> extends AbstractMap<K, V> {
    private final Map<K, V> base;
    private final Map<K, V> changes;
    private final int size;

    private PublishedUnits(Map<K, V> base, Map<K, V> changes, int size) {
        this.base = base;
        this.changes = changes;
        this.size = size;
    }

    static <K, V> PublishedUnits<K, V> empty() {
        return new PublishedUnits<>(Map.of(), Map.of(), 0);
    }

    /** This map with {@code changed} applied: a key mapped to null is removed. */
    PublishedUnits<K, V> with(Map<K, V> changed) {
        if (changed.isEmpty()) return this;
        Map<K, V> next = new HashMap<>(changes);
        int n = size;
        for (Map.Entry<K, V> e : changed.entrySet()) {
            boolean was = get(e.getKey()) != null;
            boolean is = e.getValue() != null;
            n += (is ? 1 : 0) - (was ? 1 : 0);
            // A change back to what the base holds (absent) needs no entry; null marks a removal from the base.
            if (!is && !base.containsKey(e.getKey())) next.remove(e.getKey());
            else next.put(e.getKey(), e.getValue());
        }
        if (next.size() <= Math.max(32, 2 * (int) Math.sqrt(base.size()))) {
            return new PublishedUnits<>(base, Collections.unmodifiableMap(next), n);
        }
        Map<K, V> merged = new HashMap<>(base);
        next.forEach((k, v) -> {
            if (v == null) merged.remove(k);
            else merged.put(k, v);
        });
        return new PublishedUnits<>(Collections.unmodifiableMap(merged), Map.of(), n);
    }

    @Override
    public V get(Object key) {
        if (changes.containsKey(key)) return changes.get(key);
        return base.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Set<Entry<K, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public Iterator<Entry<K, V>> iterator() {
                return new Iterator<>() {
                    private final Iterator<Entry<K, V>> fromBase = base.entrySet().iterator();
                    private final Iterator<Entry<K, V>> fromChanges = changes.entrySet().iterator();
                    private Entry<K, V> next = advance();

                    private Entry<K, V> advance() {
                        while (fromBase.hasNext()) {
                            Entry<K, V> e = fromBase.next();
                            if (!changes.containsKey(e.getKey())) return e;
                        }
                        while (fromChanges.hasNext()) {
                            Entry<K, V> e = fromChanges.next();
                            if (e.getValue() != null) return e;
                        }
                        return null;
                    }

                    @Override
                    public boolean hasNext() {
                        return next != null;
                    }

                    @Override
                    public Entry<K, V> next() {
                        if (next == null) throw new NoSuchElementException();
                        Entry<K, V> e = next;
                        next = advance();
                        return Map.entry(e.getKey(), e.getValue());
                    }
                };
            }
        };
    }
}
