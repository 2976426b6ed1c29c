package dev.tollgate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.DropEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The daemon's bounded log of drop events: oldest out first, filters, listeners. */
class DropLogTest {
    private static DropEvent at(long t, String unit) {
        return new DropEvent(t, unit, "egress", 4, 17, "10.0.0.9", "10.0.0.1", 53, 5353, null, null, 84, 1);
    }

    @Test
    void keepsTheNewestUpToItsCapacity() {
        DropLog log = new DropLog(3);
        log.add(List.of(at(1, "a.service"), at(2, "b.service")));
        log.add(List.of(at(3, "a.service"), at(4, "a.service")));
        assertThat(log.recent(Set.of(), null)).extracting(DropEvent::timestamp).containsExactly(2L, 3L, 4L);
        assertThat(log.recent(Set.of("a.service"), null)).extracting(DropEvent::timestamp).containsExactly(3L, 4L);
        assertThat(log.recent(Set.of(), 3L)).extracting(DropEvent::timestamp).containsExactly(3L, 4L);
        assertThat(log.recent(Set.of("c.service"), null)).isEmpty();
    }

    @Test
    void listenersGetEachBatchUntilRemoved() {
        DropLog log = new DropLog();
        List<List<DropEvent>> seen = new ArrayList<>();
        java.util.function.Consumer<List<DropEvent>> l = seen::add;
        log.addListener(l);
        log.add(List.of(at(1, "a.service")));
        log.add(List.of()); // nothing to tell
        log.removeListener(l);
        log.add(List.of(at(2, "a.service")));
        assertThat(seen).containsExactly(List.of(at(1, "a.service")));
    }
}
