package dev.tollgate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The reason status shows when attaching failed with an exception that carries no message. */
class StartFailureReasonWithoutMessageTest {
    @Test
    void anExceptionWithoutMessageIsNamedByItsClass() {
        assertThat(Execute.reason(new IllegalStateException())).isEqualTo("java.lang.IllegalStateException");
    }

    @Test
    void aMessageIsOneLineAsBefore() {
        assertThat(Execute.reason(new IllegalArgumentException("bad\nmap"))).isEqualTo("bad map");
    }
}
