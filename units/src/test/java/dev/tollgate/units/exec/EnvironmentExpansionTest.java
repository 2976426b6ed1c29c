package dev.tollgate.units.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** replace_env_argv() of systemd 252 (src/basic/env-util.c). */
class EnvironmentExpansionTest {

    private static final Map<String, String> ENV = Map.of("A", "x y", "B", "\"q r\" s", "E", "");

    @Test
    void wholeWordSplitsBracedDoesNot() {
        assertThat(EnvironmentExpansion.expandArgv(List.of("p", "$A", "${A}", "-${A}-"), ENV))
                .containsExactly("p", "x", "y", "x y", "-x y-");
    }

    @Test
    void splittingHonoursQuotesInTheValue() {
        assertThat(EnvironmentExpansion.expandArgv(List.of("p", "$B"), ENV)).containsExactly("p", "q r", "s");
    }

    @Test
    void unsetAndEmptyVariables() {
        assertThat(EnvironmentExpansion.expandArgv(List.of("p", "$UNSET", "${UNSET}", "$E", "${E}"), ENV))
                .containsExactly("p", "", "");
    }

    @Test
    void dollarDollarAndUnsupportedForms() {
        assertThat(EnvironmentExpansion.replace("a$$b", ENV)).isEqualTo("a$b");
        assertThat(EnvironmentExpansion.replace("$A-x", ENV)).isEqualTo("$A-x");
        assertThat(EnvironmentExpansion.replace("${A:-d}", ENV)).isEqualTo("${A:-d}");
        assertThat(EnvironmentExpansion.replace("${A", ENV)).isEqualTo("${A");
        assertThat(EnvironmentExpansion.replace("tail$", ENV)).isEqualTo("tail$");
        assertThat(EnvironmentExpansion.expandArgv(List.of("$$A"), ENV)).containsExactly("$A");
    }

    @Test
    void aWholeWordNameIsLookedUpAsWritten() {
        // systemd 252 looks up everything after the '$': "$A.x" names the variable "A.x".
        assertThat(EnvironmentExpansion.expandArgv(List.of("p", "$A.x", "$"), ENV)).containsExactly("p");
    }
}
