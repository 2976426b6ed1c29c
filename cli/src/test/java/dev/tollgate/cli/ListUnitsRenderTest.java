package dev.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.ActiveState;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListUnitsRenderTest {
    @Test
    void columnsAndLegendAsSystemctl() {
        var units = List.of(Units.web(), Units.unit("bad.service", "-.slice", ActiveState.FAILED, false, null));
        assertThat(ListUnitsCommand.render(units, Style.PLAIN, true, false, false)).containsExactly(
                "UNIT        LOAD   ACTIVE SUB     DESCRIPTION",
                "web.service loaded active running Web server",
                "bad.service loaded failed failed  bad.service",
                "",
                "LOAD   = Reflects whether the unit definition was properly loaded.",
                "ACTIVE = The high-level unit activation state, i.e. generalization of SUB.",
                "SUB    = The low-level unit activation state, values depend on unit type.",
                "2 loaded units listed. Pass --all to see loaded but inactive units, too.");
    }

    @Test
    void withoutLegendJustTheRowsAndOnATerminalTheDotForFailedUnits() {
        var units = List.of(Units.web(), Units.unit("bad.service", "-.slice", ActiveState.FAILED, false, null));
        assertThat(ListUnitsCommand.render(units, Style.PLAIN, false, true, false)).containsExactly(
                "web.service loaded active running Web server",
                "bad.service loaded failed failed  bad.service");
        assertThat(ListUnitsCommand.render(units, new Style(true, false, true), false, true, false)).containsExactly(
                "  web.service loaded active running Web server",
                "\u25cf bad.service loaded failed failed  bad.service");
    }

    @Test
    void globs() {
        assertThat(dev.tollgate.api.UnitPattern.matches("web*", "web-server.service")).isTrue();
        assertThat(dev.tollgate.api.UnitPattern.matches("*.slice", "web-server.service")).isFalse();
        assertThat(dev.tollgate.api.UnitPattern.matches("w?b.service", "web.service")).isTrue();
    }
}
