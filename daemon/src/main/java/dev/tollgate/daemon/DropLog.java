package dev.tollgate.daemon;

import dev.tollgate.api.DropEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The recent drop events of every unit, oldest first, at most {@link #CAPACITY} of them (the
 * oldest go first), and the listeners of WatchDrops streams, which get each batch as it is
 * added. Memory is bounded whatever the drop rate; listeners must not block.
 */
final class DropLog {
    static final int CAPACITY = 10_000;

    private final int capacity;
    private final ArrayDeque<DropEvent> events = new ArrayDeque<>();
    private final List<Consumer<List<DropEvent>>> listeners = new CopyOnWriteArrayList<>();

    DropLog() {
        this(CAPACITY);
    }

    DropLog(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity " + capacity);
        this.capacity = capacity;
    }

    void add(List<DropEvent> batch) {
        if (batch.isEmpty()) return;
        synchronized (this) {
            for (DropEvent e : batch) {
                if (events.size() == capacity) events.removeFirst();
                events.addLast(e);
            }
        }
        for (Consumer<List<DropEvent>> l : listeners) l.accept(batch);
    }

    /** The kept events of these units (all when empty) at or after {@code sinceMicros} (null: all). */
    synchronized List<DropEvent> recent(Set<String> units, Long sinceMicros) {
        List<DropEvent> out = new ArrayList<>();
        for (DropEvent e : events) if (matches(e, units, sinceMicros)) out.add(e);
        return out;
    }

    static boolean matches(DropEvent e, Set<String> units, Long sinceMicros) {
        return (units.isEmpty() || units.contains(e.unit())) && (sinceMicros == null || e.timestamp() >= sinceMicros);
    }

    void addListener(Consumer<List<DropEvent>> l) {
        listeners.add(l);
    }

    void removeListener(Consumer<List<DropEvent>> l) {
        listeners.remove(l);
    }
}
