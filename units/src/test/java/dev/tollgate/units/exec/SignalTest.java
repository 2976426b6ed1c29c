package dev.tollgate.units.exec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** signal_from_string(); cases checked against systemd-analyze verify (252). */
class SignalTest {

    @ParameterizedTest
    @CsvSource({"SIGTERM,15", "TERM,15", "SIGKILL,9", "HUP,1", "9,9", "64,64", "SIGRTMIN,34", "SIGRTMIN+3,37",
        "RTMAX-1,63", "RTMAX,64", "SIGWINCH,28"})
    void parses(String in, int number) {
        assertThat(Signal.parse(in)).contains(new Signal(number));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sigterm", "0", "65", "SIGFOO", "RTMIN+31", "RTMAX-31", "RTMIN3", "", "TERM "})
    void rejects(String in) {
        assertThat(Signal.parse(in)).isEmpty();
    }

    @Test
    void names() {
        assertThat(Signal.SIGTERM).hasToString("SIGTERM");
        assertThat(new Signal(37)).hasToString("SIGRTMIN+3");
    }
}
