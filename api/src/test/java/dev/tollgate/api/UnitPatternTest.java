package dev.tollgate.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** fnmatch(3) with FNM_NOESCAPE, as systemctl matches unit name patterns (cases checked against glibc's fnmatch). */
class UnitPatternTest {
    @Test
    void starsQuestionMarksAndSets() {
        assertThat(UnitPattern.matches("*.service", "web.service")).isTrue();
        assertThat(UnitPattern.matches("*.service", "web.slice")).isFalse();
        assertThat(UnitPattern.matches("web*", "web.service")).isTrue();
        assertThat(UnitPattern.matches("w?b.service", "web.service")).isTrue();
        assertThat(UnitPattern.matches("w?b.service", "wb.service")).isFalse();
        assertThat(UnitPattern.matches("*e*e*", "web.service")).isTrue();
        assertThat(UnitPattern.matches("*x*", "web.service")).isFalse();
        assertThat(UnitPattern.matches("[a-c]*", "b.service")).isTrue();
        assertThat(UnitPattern.matches("[a-c]*", "d.service")).isFalse();
        assertThat(UnitPattern.matches("[!a-c]*", "d.service")).isTrue();
        assertThat(UnitPattern.matches("[^a-c]*", "a.service")).isFalse();
        assertThat(UnitPattern.matches("[]]x", "]x")).isTrue();
        assertThat(UnitPattern.matches("a[b", "a[b")).as("a [ without ] is itself").isTrue();
        assertThat(UnitPattern.matches("a\\*", "a\\b")).as("FNM_NOESCAPE: a backslash is itself").isTrue();
        assertThat(UnitPattern.matches("getty@*.service", "getty@.service")).isTrue();
        assertThat(UnitPattern.matches("web", "web.service")).as("no implied suffix").isFalse();
        assertThat(UnitPattern.matches("", "")).isTrue();
        assertThat(UnitPattern.matches("*", "")).isTrue();
    }

    @Test
    void anyOfSeveralAndNoneMeansAll() {
        assertThat(UnitPattern.matchesAny(null, "x.service")).isTrue();
        assertThat(UnitPattern.matchesAny(List.of(), "x.service")).isTrue();
        assertThat(UnitPattern.matchesAny(List.of("a*", "x*"), "x.service")).isTrue();
        assertThat(UnitPattern.matchesAny(List.of("a*", "b*"), "x.service")).isFalse();
    }
}
