package dev.tollgate.units;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** systemd.unit(5), "Description" and "String escaping for inclusion in unit names". */
class UnitNameTest {

    @ParameterizedTest
    @ValueSource(strings = {"web.service", "a-b-c.slice", "-.slice", "getty@tty1.service", "getty@.service",
        "foo@bar@baz.service", "x\\x2dy.service", "a:b_c.d.service", "network.target", "init.scope"})
    void valid(String n) {
        assertThat(UnitName.parse(n)).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "web", ".service", "web.bogus", "@x.service", "we b.service", "wéb.service",
        "web/x.service", "web.service.", "a\"b.service"})
    void invalid(String n) {
        assertThat(UnitName.parse(n)).isEmpty();
        assertThatThrownBy(() -> UnitName.of(n)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void lengthLimit() {
        String base = "a".repeat(255 - ".service".length());
        assertThat(UnitName.parse(base + ".service")).isPresent();
        assertThat(UnitName.parse(base + "a.service")).isEmpty();
    }

    @Test
    void templatesAndInstances() {
        UnitName i = UnitName.of("foo-bar@baz.qux.service");
        assertThat(i.isInstance()).isTrue();
        assertThat(i.type()).isEqualTo(UnitSuffix.SERVICE);
        assertThat(i.prefix()).isEqualTo("foo-bar");
        assertThat(i.instance()).isEqualTo("baz.qux");
        assertThat(i.prefixAndInstance()).isEqualTo("foo-bar@baz.qux");
        assertThat(i.lastComponent()).isEqualTo("bar");
        assertThat(i.template()).isEqualTo(UnitName.of("foo-bar@.service"));
        UnitName t = UnitName.of("getty@.service");
        assertThat(t.isTemplate()).isTrue();
        assertThat(t.withInstance("tty3")).contains(UnitName.of("getty@tty3.service"));
        assertThat(UnitName.of("web.service").isPlain()).isTrue();
        assertThat(UnitName.of("web.service").instance()).isEmpty();
        assertThat(UnitName.of("web.service").lastComponent()).isEqualTo("web");
    }

    @Test
    void sliceNamesAndParents() {
        assertThat(UnitName.of("a-b-c.slice").parentSlice()).contains(UnitName.of("a-b.slice"));
        assertThat(UnitName.of("a.slice").parentSlice()).contains(UnitName.ROOT_SLICE);
        assertThat(UnitName.ROOT_SLICE.parentSlice()).isEmpty();
        assertThat(UnitName.of("a--b.slice").isValidSliceName()).isFalse();
        assertThat(UnitName.of("a-.slice").isValidSliceName()).isFalse();
        assertThat(UnitName.of("-a.slice").isValidSliceName()).isFalse();
        assertThat(UnitName.of("a@b.slice").isValidSliceName()).isFalse();
        assertThat(UnitName.of("web.service").isValidSliceName()).isFalse();
    }

    /** systemd.unit(5): "/foo//bar/baz/" escapes as a path to "foo-bar-baz"; compare systemd-escape(1). */
    @Test
    void escaping() {
        assertThat(UnitName.escape("foo-bar/baz")).isEqualTo("foo\\x2dbar-baz");
        assertThat(UnitName.escape(".dot")).isEqualTo("\\x2edot");
        assertThat(UnitName.escape("caf\u00e9")).isEqualTo("caf\\xc3\\xa9");
        assertThat(UnitName.unescape("foo\\x2dbar-baz")).contains("foo-bar/baz");
        assertThat(UnitName.unescape("caf\\xc3\\xa9")).contains("caf\u00e9");
        assertThat(UnitName.unescape("bad\\x2")).isEmpty();
        assertThat(UnitName.unescape("bad\\y20")).isEmpty();
        assertThat(UnitName.pathUnescape("dev-sda1")).contains("/dev/sda1");
        assertThat(UnitName.pathUnescape("-")).contains("/");
        assertThat(UnitName.pathUnescape("a--b")).isEmpty();
    }

    @Test
    void escapeUnescapeRoundTrip() {
        java.util.Random rnd = new java.util.Random(7);
        String alphabet = "abc-/._:\\ @é\u4e2d";
        for (int i = 0; i < 2000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int j = rnd.nextInt(12); j > 0; j--) {
                sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            }
            String s = sb.toString();
            String e = UnitName.escape(s);
            assertThat(e).matches("[A-Za-z0-9:_.\\\\-]*");
            assertThat(UnitName.unescape(e)).contains(s);
        }
    }
}
