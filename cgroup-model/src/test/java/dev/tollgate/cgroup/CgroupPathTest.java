package dev.tollgate.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CgroupPathTest {

    @Test
    void parsesAndPrintsLikeProcCgroup() {
        assertThat(CgroupPath.parse("/")).isEqualTo(CgroupPath.ROOT);
        assertThat(CgroupPath.parse("")).isEqualTo(CgroupPath.ROOT);
        assertThat(CgroupPath.ROOT).hasToString("/");
        CgroupPath p = CgroupPath.parse("/system.slice//foo.service/");
        assertThat(p.components()).containsExactly("system.slice", "foo.service");
        assertThat(p).hasToString("/system.slice/foo.service");
        assertThat(p.relative()).isEqualTo("system.slice/foo.service");
        assertThat(p.name()).isEqualTo("foo.service");
        assertThat(p.parent()).contains(CgroupPath.of("system.slice"));
        assertThat(CgroupPath.ROOT.parent()).isEmpty();
        assertThat(p.startsWith(CgroupPath.of("system.slice"))).isTrue();
        assertThat(p.startsWith(CgroupPath.of("system"))).isFalse();
        assertThat(p.relativeTo(CgroupPath.of("system.slice"))).contains(CgroupPath.of("foo.service"));
        assertThat(p.relativeTo(CgroupPath.of("user.slice"))).isEmpty();
        assertThat(CgroupPath.of("a").resolve("b/c")).isEqualTo(CgroupPath.parse("a/b/c"));
    }

    @Test
    void rejectsDirectoryNamesTheKernelCannotHave() {
        assertThatThrownBy(() -> CgroupPath.of("a", "..")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'..'");
        assertThatThrownBy(() -> CgroupPath.of("a/b")).hasMessageContaining("contains '/'");
        assertThatThrownBy(() -> CgroupPath.of("x".repeat(256))).hasMessageContaining("longer than 255 bytes");
    }

    @ParameterizedTest
    @CsvSource({
            "-.slice,                 /",
            "system.slice,            /system.slice",
            "a-b.slice,               /a.slice/a-b.slice",
            "a-b-c.slice,             /a.slice/a-b.slice/a-b-c.slice",
            "user-1000.slice,         /user.slice/user-1000.slice",
            "foo\\x2dbar.slice,       /foo\\x2dbar.slice",
            "_x.slice,                /__x.slice",
            "_x-y.slice,              /__x.slice/__x-y.slice",
            "cpu.slice,               /_cpu.slice",
            "memory-x.slice,          /_memory.slice/memory-x.slice",
            "cgroup-a.slice,          /_cgroup.slice/cgroup-a.slice",
            "bpf-firewall.slice,      /bpf.slice/_bpf-firewall.slice",
            "cpuset.slice,            /_cpuset.slice",
            "cpux.slice,              /cpux.slice",
    })
    void slicesNestByTheirDashesAsSystemdDoes(String slice, String path) {
        assertThat(CgroupPath.ofSlice(slice)).hasToString(path);
    }

    @ParameterizedTest
    @CsvSource({
            "foo.service,       system.slice,  /system.slice/foo.service",
            "foo.service,       -.slice,       /foo.service",
            "getty@tty1.service, system-getty.slice, /system.slice/system-getty.slice/getty@tty1.service",
            "web.service,       shop-front.slice, /shop.slice/shop-front.slice/web.service",
            "_under.service,    system.slice,  /system.slice/__under.service",
            "cgroup.service,    system.slice,  /system.slice/_cgroup.service",
            "io.service,        system.slice,  /system.slice/_io.service",
            "pids.scope,        system.slice,  /system.slice/_pids.scope",
            "session-1.scope,   user-1000.slice, /user.slice/user-1000.slice/session-1.scope",
    })
    void unitsLiveInTheirSlice(String unit, String slice, String path) {
        assertThat(CgroupPath.ofUnit(unit, slice)).hasToString(path);
    }

    @Test
    void defaultSliceIsSystemSlice() {
        assertThat(CgroupPath.ofUnit("foo.service")).hasToString("/system.slice/foo.service");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "-a.slice   | must not start with '-'",
            "a--b.slice | must not contain '--'",
            "a-.slice   | must not end in '-' before '.slice'",
            "a-b-.slice | must not end in '-'",
            "foo.service | ends in '.slice'",
            "a@b.slice  | cannot be a template or an instance",
            "a b.slice  | character ' ' is not allowed",
            "a/b.slice  | character '/' is not allowed",
            ".slice     | no unit type suffix",
            "a.slicex   | '.slicex' is not a unit type",
            "''         | empty",
    })
    void invalidSliceNamesAreRejectedSayingWhy(String slice, String why) {
        assertThatThrownBy(() -> CgroupPath.ofSlice(slice))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid slice name '" + slice + "': ")
                .hasMessageContaining(why);
    }

    @Test
    void tooLongSliceNameIsRejected() {
        String name = "a".repeat(250) + ".slice";
        assertThatThrownBy(() -> CgroupPath.ofSlice(name)).hasMessageContaining("longer than 255 characters");
        assertThat(CgroupPath.ofSlice("a".repeat(249) + ".slice").name()).hasSize(255);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "foo@.service  | is a template",
            "@foo.service  | must not start with '@'",
            "foo.timer     | a .timer unit has no cgroup",
            "foo.slice     | use CgroupPath.ofSlice",
            "foo           | no unit type suffix",
            "fo%o.service  | character '%' is not allowed",
    })
    void invalidUnitNamesAreRejectedSayingWhy(String unit, String why) {
        assertThatThrownBy(() -> CgroupPath.ofUnit(unit, "system.slice"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid unit name '" + unit + "': ")
                .hasMessageContaining(why);
    }

    @Test
    void theSliceOfAUnitIsCheckedToo() {
        assertThatThrownBy(() -> CgroupPath.ofUnit("foo.service", "a--b.slice"))
                .hasMessageStartingWith("invalid slice name 'a--b.slice'");
    }

    @Test
    void escapingIsAOneUnderscorePrefix() {
        assertThat(CgroupPath.needsEscape("foo.service")).isFalse();
        assertThat(CgroupPath.needsEscape("_foo.service")).isTrue();
        assertThat(CgroupPath.needsEscape(".hidden")).isTrue();
        assertThat(CgroupPath.needsEscape("cgroup.procs")).isTrue();
        assertThat(CgroupPath.needsEscape("memory.max")).isTrue();
        assertThat(CgroupPath.needsEscape("memory")).isFalse();
        assertThat(CgroupPath.needsEscape("memoryx.max")).isFalse();
        assertThat(CgroupPath.needsEscape("bpf-socket-bind.x")).isTrue();
        assertThat(CgroupPath.escape("cgroup.procs")).isEqualTo("_cgroup.procs");
        assertThat(CgroupPath.escape("_x")).isEqualTo("__x");
        for (String n : new String[] {"foo.service", "_x", "cgroup.kill", "cpu.weight", "plain"}) {
            assertThat(CgroupPath.unescape(CgroupPath.escape(n))).isEqualTo(n);
        }
        assertThatThrownBy(() -> CgroupPath.escape("a/b")).hasMessageContaining("contains '/'");
        assertThat(CgroupPath.escape("x".repeat(255))).hasSize(255);
        assertThatThrownBy(() -> CgroupPath.escape("_" + "x".repeat(254))).hasMessageContaining("longer than 255");
    }

    @Test
    void parentSliceFollowsTheName() {
        assertThat(CgroupPath.parentSlice("a-b-c.slice")).contains("a-b.slice");
        assertThat(CgroupPath.parentSlice("a.slice")).contains("-.slice");
        assertThat(CgroupPath.parentSlice("-.slice")).isEmpty();
        assertThatThrownBy(() -> CgroupPath.parentSlice("a--b.slice")).hasMessageContaining("'--'");
    }
}
