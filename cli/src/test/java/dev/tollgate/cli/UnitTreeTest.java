package dev.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.ActiveState;
import dev.tollgate.api.Counters;
import dev.tollgate.api.UnitInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnitTreeTest {
    private static final List<UnitInfo> UNITS = List.of(
            Units.unit("-.slice", null, ActiveState.ACTIVE, false, null),
            Units.unit("system.slice", "-.slice", ActiveState.ACTIVE, false, null),
            Units.unit("sandbox.service", "system.slice", ActiveState.ACTIVE, true, new Counters(0, 0, 372, 12, 0, 0, 408, 12)),
            Units.unit("web.slice", "-.slice", ActiveState.ACTIVE, true, Units.traffic(563_200, 563_300)),
            Units.unit("web-server.service", "web.slice", ActiveState.ACTIVE, true, Units.traffic(5_632, 544_000)),
            Units.unit("web-client.service", "web.slice", ActiveState.FAILED, false, Counters.ZERO),
            Units.unit("idle.service", "web.slice", ActiveState.INACTIVE, false, null),
            Units.unit("empty.slice", "-.slice", ActiveState.ACTIVE, false, null));

    @Test
    void drawsSlicesAndServicesAsSystemdCglsWithTrafficInOneColumn() {
        assertThat(UnitTree.render(UnitTree.build(UNITS, false), Style.PLAIN, null)).containsExactly(
                "-.slice",
                "├─system.slice",
                "│ └─sandbox.service     IP: 0B in, 372B out; dropped 12 packets (408B)",
                "└─web.slice             IP: 550.0K in, 550.0K out",
                "  ├─web-client.service (failed)",
                "  └─web-server.service  IP: 5.5K in, 531.2K out");
    }

    @Test
    void asciiWhereTheCharsetIsNotUtf8AndInactiveUnitsWithAll() {
        assertThat(UnitTree.render(UnitTree.build(UNITS, true), Style.PLAIN_ASCII, null)).containsExactly(
                "-.slice",
                "|-empty.slice",
                "|-system.slice",
                "| `-sandbox.service     IP: 0B in, 372B out; dropped 12 packets (408B)",
                "`-web.slice             IP: 550.0K in, 550.0K out",
                "  |-idle.service (inactive)",
                "  |-web-client.service (failed)",
                "  `-web-server.service  IP: 5.5K in, 531.2K out");
    }

    @Test
    void processesBelowTheirService() {
        Processes procs = new Processes() {
            @Override
            public String comm(int pid) {
                return "bash";
            }

            @Override
            public String cmdline(int pid) {
                return pid == 1234 ? "/bin/bash -c loop" : "sleep 1";
            }
        };
        List<UnitInfo> units = List.of(Units.unit("-.slice", null, ActiveState.ACTIVE, false, null), Units.web());
        UnitInfo web = Units.web();
        UnitInfo inRoot = web.toBuilder().slice("-.slice").build();
        units = List.of(units.get(0), inRoot);
        assertThat(UnitTree.render(UnitTree.build(units, false), Style.PLAIN, procs)).containsExactly(
                "-.slice",
                "└─web.service  IP: 1.2K in, 3.4M out; dropped 2 packets (120B)",
                "  ├─1234 /bin/bash -c loop",
                "  └─1240 sleep 1");
    }

    @Test
    void findsASubtree() {
        UnitTree.Node web = UnitTree.find(UnitTree.build(UNITS, false), "web.slice");
        assertThat(web.children()).extracting(n -> n.unit().name()).containsExactly("web-client.service", "web-server.service");
        assertThat(web.toJson()).containsKeys("name", "type", "activeState", "counters", "children");
    }
}
