package dev.tollgate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The published snapshot is the map of every publication's changes applied in turn, and a published one never changes. */
class PublishedUnitsTest {
    @Test
    void eachPublicationEqualsTheChangesAppliedToACopyAndEarlierOnesStayAsTheyWere() {
        long seed = 20261206L;
        System.out.println("PublishedUnitsTest seed " + seed);
        Random r = new Random(seed);
        PublishedUnits<Integer, String> published = PublishedUnits.empty();
        Map<Integer, String> reference = new HashMap<>();
        List<PublishedUnits<Integer, String>> earlier = new ArrayList<>();
        List<Map<Integer, String>> earlierCopies = new ArrayList<>();
        for (int round = 0; round < 3000; round++) {
            // Mostly a few changes (a batch of events), now and then a load of many units.
            int changes = r.nextInt(50) == 0 ? 1 + r.nextInt(1500) : 1 + r.nextInt(4);
            Map<Integer, String> batch = new HashMap<>();
            for (int i = 0; i < changes; i++) {
                int key = r.nextInt(2000);
                String value = r.nextInt(6) == 0 ? null : "u" + key + "@" + round;
                batch.put(key, value);
            }
            batch.forEach((k, v) -> {
                if (v == null) reference.remove(k);
                else reference.put(k, v);
            });
            PublishedUnits<Integer, String> next = published.with(batch);
            assertThat(next).as("round %d", round).isEqualTo(reference);
            assertThat(next.size()).isEqualTo(reference.size());
            assertThat(next.entrySet()).hasSize(reference.size());
            for (int probe = 0; probe < 20; probe++) {
                int key = r.nextInt(2000);
                assertThat(next.get(key)).isEqualTo(reference.get(key));
                assertThat(next.containsKey(key)).isEqualTo(reference.containsKey(key));
            }
            if (round % 100 == 0) {
                earlier.add(next);
                earlierCopies.add(Map.copyOf(reference));
            }
            published = next;
        }
        for (int i = 0; i < earlier.size(); i++) assertThat(earlier.get(i)).as("publication %d", i * 100).isEqualTo(earlierCopies.get(i));
        assertThat(published.with(Map.of())).isSameAs(published);
    }
}
