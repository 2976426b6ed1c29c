package dev.tollgate.libc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ErrnoTest {
    @Test
    void carriesNumberNameAndText() {
        assertThat(Errno.of(7)).isSameAs(Errno.E2BIG);
        assertThat(Errno.E2BIG.number()).isEqualTo(7);
        assertThat(Errno.E2BIG.name()).isEqualTo("E2BIG");
        assertThat(Errno.E2BIG.description()).isEqualTo("Argument list too long");
        assertThat(Errno.E2BIG).hasToString("E2BIG (7, Argument list too long)");
        assertThat(Errno.of(16)).isSameAs(Errno.EBUSY);
        assertThat(Errno.of(39)).isSameAs(Errno.ENOTEMPTY);
    }

    @Test
    void everyNumberLinuxDefinesHasOneConstant() {
        // 1..133 without the two holes of the generic table (41, 58), and the kernel-internal
        // ones from 512 without 520: one constant per number, numbers ascending.
        int previous = 0;
        for (Errno e : Errno.values()) {
            assertThat(e.number()).isGreaterThan(previous);
            assertThat(Errno.of(e.number())).isSameAs(e);
            assertThat(e.description()).isNotBlank().doesNotStartWith("Unknown error");
            previous = e.number();
        }
        assertThat(Errno.values()).hasSize(131 + 18);
        assertThat(Errno.of(133)).isSameAs(Errno.EHWPOISON);
        // bpf(2) leaks the kernel-internal ENOTSUPP where a program type cannot be test-run.
        assertThat(Errno.of(524)).isSameAs(Errno.ENOTSUPP);
    }

    @Test
    void aNumberThatIsNoErrnoIsTheCallersMistake() {
        for (int n : new int[] {0, -2, 41, 520, 4242}) {
            assertThatThrownBy(() -> Errno.of(n))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(n + " is not an errno Linux defines");
        }
    }
}
