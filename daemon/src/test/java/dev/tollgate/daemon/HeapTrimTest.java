package dev.tollgate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When a trim is asked for, and how often: a fake heap and clock (the real shrink is measured in bench/README). */
class HeapTrimTest {
    private long committed = 20L << 20;
    private long now = 1_000_000_000L;
    private int collections;
    private final List<Duration> delays = new ArrayList<>();
    private final List<Runnable> tasks = new ArrayList<>();

    private final HeapTrim trim = new HeapTrim(new HeapTrim.Heap() {
        @Override
        public long committed() {
            return committed;
        }

        @Override
        public void collect() {
            collections++;
            committed = 22L << 20; // what is live, plus the free ratio
        }
    }, () -> now, (delay, task) -> {
        delays.add(delay);
        tasks.add(task);
    });

    private void runScheduled() {
        List<Runnable> due = new ArrayList<>(tasks);
        tasks.clear();
        due.forEach(Runnable::run);
    }

    @Test
    void aHeapThatDidNotGrowMuchIsLeftAlone() {
        committed += HeapTrim.GROWTH; // not more than GROWTH
        trim.afterCall();
        assertThat(tasks).isEmpty();
        assertThat(collections).isZero();
    }

    @Test
    void aGrownHeapIsTrimmedOnceAtOnceAndThenNoMoreThanOncePerSpacing() {
        committed = 60L << 20;
        trim.afterCall();
        trim.afterCall(); // a second call before the trim ran asks for nothing more
        assertThat(delays).containsExactly(Duration.ZERO);
        runScheduled();
        assertThat(collections).isEqualTo(1);

        now += Duration.ofSeconds(1).toNanos();
        committed = 60L << 20; // the next burst, a second later
        trim.afterCall();
        assertThat(delays).containsExactly(Duration.ZERO, HeapTrim.SPACING.minusSeconds(1));
        runScheduled();
        assertThat(collections).isEqualTo(2);

        // The baseline is what the last trim left: growth is counted from there.
        committed = (22L << 20) + HeapTrim.GROWTH;
        trim.afterCall();
        assertThat(tasks).isEmpty();
    }
}
