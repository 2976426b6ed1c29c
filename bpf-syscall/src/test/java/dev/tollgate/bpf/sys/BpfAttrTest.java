package dev.tollgate.bpf.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** The thread's reused attr and scratch area: zeroed for every attr, never shared by two alive at once. */
class BpfAttrTest {
    @Test
    void anAttrStartsZeroedAfterAnotherUsedTheThreadsMemory() {
        try (BpfAttr a = new BpfAttr()) {
            a.u64(8, -1L).u32(BpfAttr.SIZE - 4, -1);
            a.buffer(64).fill((byte) 0x5a);
            a.string("/sys/fs/bpf/x");
        }
        try (BpfAttr b = new BpfAttr()) {
            assertThat(b.u64(8)).isZero();
            assertThat(b.u32(BpfAttr.SIZE - 4)).isZero();
            assertThat(b.buffer(64).toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0);
        }
    }

    @Test
    void anAttrMadeWhileAnotherIsAliveHasItsOwnMemory() {
        try (BpfAttr outer = new BpfAttr()) {
            outer.u64(0, 42);
            MemorySegment outerKey = outer.buffer(new byte[] {1, 2, 3, 4});
            try (BpfAttr inner = new BpfAttr()) {
                inner.u64(0, 7);
                inner.buffer(4).fill((byte) 9);
                assertThat(inner.u64(0)).isEqualTo(7);
            }
            assertThat(outer.u64(0)).isEqualTo(42);
            assertThat(outerKey.toArray(ValueLayout.JAVA_BYTE)).containsExactly(1, 2, 3, 4);
        }
    }

    @Test
    void buffersOfOneAttrDoNotOverlapAndLargeOnesAreZeroedToo() {
        try (BpfAttr a = new BpfAttr()) {
            MemorySegment k = a.buffer(new byte[] {1, 1, 1, 1, 1, 1, 1, 1});
            MemorySegment v = a.buffer(3);
            MemorySegment big = a.buffer(10_000);
            v.fill((byte) 2);
            assertThat(k.toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 1);
            assertThat(v.address()).isGreaterThanOrEqualTo(k.address() + 8);
            assertThat(big.byteSize()).isEqualTo(10_000);
            assertThat(big.toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0);
            MemorySegment s = a.string("ab");
            assertThat(s.toArray(ValueLayout.JAVA_BYTE)).containsExactly('a', 'b', 0);
        }
    }
}
