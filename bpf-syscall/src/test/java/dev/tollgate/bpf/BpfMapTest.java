package dev.tollgate.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.libc.Errno;
import dev.tollgate.testkit.Await;
import dev.tollgate.testkit.Privileged;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@Privileged
class BpfMapTest {

    @Test
    void arrayLookupUpdateAndInfo() {
        try (BpfMap m = BpfMap.create(MapSpec.of(MapType.ARRAY, "tg_t_array", 4, 16, 8))) {
            assertThat(m.info().type()).isEqualTo(MapType.ARRAY.value);
            assertThat(m.info().keySize()).isEqualTo(4);
            assertThat(m.info().valueSize()).isEqualTo(16);
            assertThat(m.info().maxEntries()).isEqualTo(8);
            assertThat(m.name()).isEqualTo("tg_t_array");
            assertThat(m.id()).isPositive();
            // Arrays are pre-filled with zeros.
            assertThat(m.lookup(Bytes.u32(3))).contains(new byte[16]);
            m.update(Bytes.u32(3), Bytes.u64s(7, 9));
            assertThat(m.lookupSummedU64(Bytes.u32(3))).hasValueSatisfying(v -> assertThat(v).containsExactly(7, 9));
            assertThat(m.lookup(Bytes.u32(8))).isEmpty();
            assertThat(m.keys()).hasSize(8);
        }
    }

    @Test
    void arrayOutOfRangeUpdateNamesCommandAndErrno() {
        try (BpfMap m = BpfMap.create(MapSpec.of(MapType.ARRAY, "tg_t_array", 4, 8, 2))) {
            assertThatThrownBy(() -> m.update(Bytes.u32(5), Bytes.u64(1)))
                    .isInstanceOfSatisfying(BpfException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.E2BIG);
                        assertThat(e.getMessage()).contains("BPF_MAP_UPDATE_ELEM", "E2BIG (7", "tg_t_array");
                    });
        }
    }

    @Test
    void hashUpdateDeleteIterate() {
        try (BpfMap m = BpfMap.create(MapSpec.of(MapType.HASH, "tg_t_hash", 8, 8, 16))) {
            for (long k = 1; k <= 5; k++) m.update(Bytes.u64(k), Bytes.u64(k * 100));
            Set<Long> keys = new HashSet<>();
            for (byte[] k : m.keys()) keys.add(Bytes.u64(k, 0));
            assertThat(keys).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L);
            assertThat(m.delete(Bytes.u64(3))).isTrue();
            assertThat(m.delete(Bytes.u64(3))).isFalse();
            assertThat(m.lookup(Bytes.u64(3))).isEmpty();
            assertThat(Bytes.u64(m.lookup(Bytes.u64(4)).orElseThrow(), 0)).isEqualTo(400);
            assertThatThrownBy(() -> m.update(Bytes.u64(4), Bytes.u64(1), BpfMap.BPF_NOEXIST))
                    .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EEXIST));
            assertThatThrownBy(() -> m.update(Bytes.u64(99), Bytes.u64(1), BpfMap.BPF_EXIST))
                    .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
        }
    }

    @Test
    void hashFullGivesE2BIG() {
        try (BpfMap m = BpfMap.create(MapSpec.of(MapType.HASH, "tg_t_hash", 4, 4, 2))) {
            m.update(Bytes.u32(1), Bytes.u32(1));
            m.update(Bytes.u32(2), Bytes.u32(1));
            assertThatThrownBy(() -> m.update(Bytes.u32(3), Bytes.u32(1)))
                    .isInstanceOfSatisfying(BpfException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.E2BIG);
                        assertThat(e.getMessage()).contains("map is full");
                    });
        }
    }

    @Test
    void perCpuArrayHoldsOneSlotPerPossibleCpuAndSums() {
        try (BpfMap m = BpfMap.create(MapSpec.of(MapType.PERCPU_ARRAY, "tg_t_pcpu", 4, 16, 4))) {
            int cpus = PossibleCpus.count();
            assertThat(m.userValueSize()).isEqualTo(16 * cpus);
            long[] values = new long[2 * cpus];
            for (int c = 0; c < cpus; c++) {
                values[2 * c] = c + 1;
                values[2 * c + 1] = 10L * (c + 1);
            }
            m.update(Bytes.u32(1), Bytes.u64s(values));
            long expectPackets = (long) cpus * (cpus + 1) / 2;
            assertThat(m.lookupSummedU64(Bytes.u32(1))).hasValueSatisfying(
                    v -> assertThat(v).containsExactly(expectPackets, 10 * expectPackets));
            assertThat(m.lookupPerCpu(Bytes.u32(1))).hasSize(cpus);
        }
    }

    @Test
    void lpmTrieLongestPrefixMatch() {
        try (BpfMap m = BpfMap.create(MapSpec.lpmTrie("tg_t_lpm4", 4, 8, 16))) {
            m.update(lpmKey(8, 10, 0, 0, 0), Bytes.u64(1));
            m.update(lpmKey(24, 10, 1, 2, 0), Bytes.u64(2));
            assertThat(Bytes.u64(m.lookup(lpmKey(32, 10, 1, 2, 3)).orElseThrow(), 0)).isEqualTo(2);
            assertThat(Bytes.u64(m.lookup(lpmKey(32, 10, 9, 9, 9)).orElseThrow(), 0)).isEqualTo(1);
            assertThat(m.lookup(lpmKey(32, 11, 0, 0, 1))).isEmpty();
        }
    }

    @Test
    void lpmTrieWithoutNoPreallocIsRefusedBeforeTheKernel() {
        assertThatThrownBy(() -> new MapSpec(MapType.LPM_TRIE, "tg_t_lpm", 8, 8, 4, 0))
                .hasMessageContaining("BPF_F_NO_PREALLOC");
    }

    @Test
    void ringBufferCreates() {
        try (BpfMap r = BpfMap.create(MapSpec.ringBuffer("tg_t_ring", 4096 * 4))) {
            assertThat(r.info().type()).isEqualTo(MapType.RINGBUF.value);
            assertThat(r.info().maxEntries()).isEqualTo(4096 * 4);
        }
    }

    @Test
    void pinAndOpenFromPin() throws Exception {
        Path dir = Pins.ensureDirectory(Pins.DEFAULT_BPFFS.resolve("tollgate-test-" + UUID.randomUUID().toString().substring(0, 8)));
        try (BpfMap m = BpfMap.create(MapSpec.of(MapType.HASH, "tg_t_pinned", 4, 8, 4))) {
            m.update(Bytes.u32(1), Bytes.u64(42));
            m.pin(dir.resolve("counters"));
            try (BpfMap again = BpfMap.fromPin(dir.resolve("counters"))) {
                assertThat(again.id()).isEqualTo(m.id());
                assertThat(Bytes.u64(again.lookup(Bytes.u32(1)).orElseThrow(), 0)).isEqualTo(42);
            }
            assertThatThrownBy(() -> m.pin(dir.resolve("counters")))
                    .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EEXIST));
            assertThatThrownBy(() -> BpfMap.fromPin(dir.resolve("missing")))
                    .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
            assertThatThrownBy(() -> m.pin(dir.resolve("with.dot"))).hasMessageContaining("'.'");
        } finally {
            Pins.removeTree(dir);
        }
        assertThat(Files.exists(dir)).isFalse();
    }

    @Test
    void idsIterateAndReopen() {
        try (BpfMap m = BpfMap.create(MapSpec.of(MapType.ARRAY, "tg_t_byid", 4, 4, 1))) {
            List<Integer> ids = ObjectIds.maps();
            assertThat(ids).contains(m.id());
            assertThat(MapInfo.ofId(m.id()).name()).isEqualTo("tg_t_byid");
        }
    }

    @Test
    void closedMapIsFreed() throws Exception {
        int id;
        try (BpfMap m = BpfMap.create(MapSpec.of(MapType.ARRAY, "tg_t_freed", 4, 4, 1))) {
            id = m.id();
        }
        // Maps are freed asynchronously (RCU): wait for it.
        Await.until("map " + id + " to be freed", () -> !ObjectIds.maps().contains(id));
        assertThat(ObjectIds.maps()).doesNotContain(id);
        assertThatThrownBy(() -> BpfMap.fromId(id))
                .isInstanceOfSatisfying(BpfException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
    }

    static byte[] lpmKey(int prefix, int... addr) {
        byte[] k = new byte[4 + addr.length];
        System.arraycopy(Bytes.u32(prefix), 0, k, 0, 4);
        for (int i = 0; i < addr.length; i++) k[4 + i] = (byte) addr[i];
        return k;
    }
}
