package dev.tollgate.units.syntax;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BooleansAndNumbersTest {

    /** systemd.syntax(7): 1, yes, true, on (and parse_boolean()'s y, t), case-insensitive. */
    @ParameterizedTest
    @ValueSource(strings = {"1", "yes", "y", "true", "t", "on", "YES", "True", "oN"})
    void trueSpellings(String s) {
        assertThat(Booleans.parse(s)).contains(true);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "no", "n", "false", "f", "off", "NO", "False", "OFF"})
    void falseSpellings(String s) {
        assertThat(Booleans.parse(s)).contains(false);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "2", "yess", "enable", " yes", "maybe"})
    void notBooleans(String s) {
        assertThat(Booleans.parse(s)).isEmpty();
    }

    @Test
    void numbersAsSafeAtouReadsThem() {
        assertThat(CNumbers.parseUnsigned("80", 65535)).hasValue(80);
        assertThat(CNumbers.parseUnsigned("0x50", 65535)).hasValue(80);
        assertThat(CNumbers.parseUnsigned("0120", 65535)).hasValue(80);
        assertThat(CNumbers.parseUnsigned("0o120", 65535)).hasValue(80);
        assertThat(CNumbers.parseUnsigned("0b1010000", 65535)).hasValue(80);
        assertThat(CNumbers.parseUnsigned(" 80", 65535)).hasValue(80);
        assertThat(CNumbers.parseUnsigned("+80", 65535)).hasValue(80);
        assertThat(CNumbers.parseUnsigned("-0", 65535)).hasValue(0);
        assertThat(CNumbers.parseUnsigned("-1", 65535)).isEmpty();
        assertThat(CNumbers.parseUnsigned("65536", 65535)).isEmpty();
        assertThat(CNumbers.parseUnsigned("08", 65535)).isEmpty();
        assertThat(CNumbers.parseUnsigned("80 ", 65535)).isEmpty();
        assertThat(CNumbers.parseUnsigned("", 65535)).isEmpty();
        assertThat(CNumbers.parseUnsigned("0x", 65535)).isEmpty();
        assertThat(CNumbers.parseSigned("-5", Integer.MIN_VALUE, Integer.MAX_VALUE)).hasValue(-5);
        assertThat(CNumbers.parseSigned("+3", Integer.MIN_VALUE, Integer.MAX_VALUE)).hasValue(3);
    }

    @Test
    void pathRules() {
        assertThat(PathNames.simplify("//a/./b//c/")).isEqualTo("/a/b/c");
        assertThat(PathNames.simplify("/./")).isEqualTo("/");
        assertThat(PathNames.checkAbsolute("/a/../b").ok()).isFalse();
        assertThat(PathNames.checkAbsolute("/a/../b").refusal()).isEqualTo("path is not normalized");
        assertThat(PathNames.checkAbsolute("rel").refusal()).isEqualTo("path is not absolute");
        assertThat(PathNames.checkAbsolute("/a/./b//c/").path()).contains("/a/b/c");
        assertThat(PathNames.isValidFilename("true")).isTrue();
        assertThat(PathNames.isValidFilename("bin/true")).isFalse();
        assertThat(PathNames.isSafe("/bin/tr\"ue")).isFalse();
    }
}
