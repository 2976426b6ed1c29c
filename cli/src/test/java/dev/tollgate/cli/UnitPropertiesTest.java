package dev.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.Counters;
import dev.tollgate.api.UnitInfo;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnitPropertiesTest {
    private static final ZoneId UTC = ZoneId.of("UTC");

    @Test
    void countersOfAUnitWithAccounting() {
        assertThat(UnitProperties.lines(Units.web(), List.of("IPIngressBytes", "IPIngressPackets", "IPEgressBytes",
                "IPEgressPackets", "IPEgressDroppedPackets", "IPEgressDroppedBytes"), false, false, UTC))
                .containsExactly("IPIngressBytes=1280", "IPIngressPackets=10", "IPEgressBytes=3565568", "IPEgressPackets=2500",
                        "IPEgressDroppedBytes=120", "IPEgressDroppedPackets=2");
    }

    @Test
    void withoutAccountingTheTrafficCountersHaveNoDataAsInSystemctl() {
        UnitInfo u = Units.withoutAccounting(Units.web(), null);
        assertThat(UnitProperties.lines(u, List.of("IPIngressBytes", "IPEgressPackets", "IPIngressDroppedPackets"), false, false, UTC))
                .containsExactly("IPIngressBytes=[no data]", "IPEgressPackets=[no data]", "IPIngressDroppedPackets=[no data]");
        // systemctl show --value prints [no data] too (bus_print_property_value with ONLY_VALUE).
        assertThat(UnitProperties.lines(u, List.of("IPIngressBytes"), true, false, UTC)).containsExactly("[no data]");
    }

    @Test
    void countersSentForTheFirewallAloneCountOnlyAsDrops() {
        UnitInfo u = Units.withoutAccounting(Units.web(), new Counters(5, 1, 6, 1, 40, 1, 0, 0));
        assertThat(UnitProperties.lines(u, List.of("IPAccounting", "IPIngressBytes", "IPIngressDroppedBytes",
                "IPIngressDroppedPackets"), false, false, UTC))
                .containsExactly("IPAccounting=no", "IPIngressBytes=[no data]", "IPIngressDroppedBytes=40", "IPIngressDroppedPackets=1");
    }

    @Test
    void valuesAloneInTableOrderNotInTheOrderAskedFor() {
        assertThat(UnitProperties.lines(Units.web(), List.of("MainPID", "ActiveState", "Nonsense"), true, false, UTC))
                .containsExactly("active", "1234");
    }

    /** RestrictNetworkInterfaces= as systemctl 257 prints it; "~" alone for a unit without it; empty from an older daemon. */
    @Test
    void restrictNetworkInterfacesAsSystemctlPrintsIt() {
        Counters c = new Counters(0, 0, 0, 0, 0, 0, 300, 5);
        assertThat(UnitProperties.lines(Units.withInterfaces(Units.web(), "~veth0 lo", c), List.of("RestrictNetworkInterfaces",
                "IPEgressDroppedPackets", "IPEgressPackets"), false, false, UTC))
                .containsExactly("RestrictNetworkInterfaces=~veth0 lo", "IPEgressPackets=[no data]", "IPEgressDroppedPackets=5");
        assertThat(UnitProperties.lines(Units.withInterfaces(Units.web(), "~", c), List.of("RestrictNetworkInterfaces"), false, false, UTC))
                .containsExactly("RestrictNetworkInterfaces=~");
        assertThat(UnitProperties.lines(Units.web(), List.of("RestrictNetworkInterfaces"), false, false, UTC))
                .containsExactly("RestrictNetworkInterfaces=");
        assertThat(UnitProperties.lines(Units.web(), null, false, false, UTC)).noneMatch(l -> l.startsWith("RestrictNetworkInterfaces"));
    }

    /** ControlGroupId= as systemd 252+ prints it: the cgroup's id, 0 without a cgroup (never empty), after ControlGroup=. */
    @Test
    void controlGroupIdIsZeroWithoutACgroup() {
        UnitInfo u = Units.web().toBuilder().controlGroupId(8_589_934_593L).build();
        assertThat(UnitProperties.lines(u, List.of("ControlGroupId", "ControlGroup"), false, false, UTC))
                .containsExactly("ControlGroup=/tollgate.slice/web.service", "ControlGroupId=8589934593");
        assertThat(UnitProperties.lines(Units.web(), List.of("ControlGroupId"), true, false, UTC)).containsExactly("0");
        assertThat(UnitProperties.lines(Units.web(), null, false, false, UTC)).contains("ControlGroupId=0");
    }

    @Test
    void everythingWithoutEmptyValuesUnlessAll() {
        List<String> lines = UnitProperties.lines(Units.web(), null, false, false, UTC);
        assertThat(lines).startsWith("Id=web.service", "Names=web.service", "Description=Web server", "LoadState=loaded",
                "ActiveState=active", "SubState=running", "Result=success", "FragmentPath=/etc/tollgate/units/web.service",
                "UnitFileState=enabled", "ActiveEnterTimestamp=Thu 2024-01-04 10:00:00 UTC", "MainPID=1234");
        assertThat(lines).contains("Delegate=no", "IPAccounting=yes", "IPAddressAllow=127.0.0.0/8",
                "IPAddressDeny=0.0.0.0/0 ::/0", "AttachMode=link", "ControlGroup=/tollgate.slice/web.service",
                "Slice=tollgate.slice");
        assertThat(lines).noneMatch(l -> l.startsWith("DropInPaths=") || l.startsWith("LastError="));
        assertThat(UnitProperties.lines(Units.web(), null, false, true, UTC)).contains("DropInPaths=", "LastError=");
    }

    @Test
    void aPropertyAskedForIsShownEvenWhenEmpty() {
        assertThat(UnitProperties.lines(Units.web(), List.of("DropInPaths"), false, false, UTC)).containsExactly("DropInPaths=");
        assertThat(UnitProperties.lines(Units.web(), List.of("DropInPaths"), true, false, UTC)).containsExactly("");
    }

    @Test
    void aMissingUnitIsNotFoundAndInactive() {
        UnitInfo u = UnitNames.notFound("nope.service");
        assertThat(UnitProperties.lines(u, List.of("Id", "LoadState", "ActiveState", "SubState", "MainPID", "IPIngressBytes"),
                false, false, UTC)).containsExactly("Id=nope.service", "LoadState=not-found", "ActiveState=inactive",
                "SubState=dead", "MainPID=0", "IPIngressBytes=[no data]");
    }

    @Test
    void unitNamesAreMangledAsSystemctlDoes() {
        assertThat(UnitNames.mangle("web")).isEqualTo("web.service");
        assertThat(UnitNames.mangle("web.service")).isEqualTo("web.service");
        assertThat(UnitNames.mangle("web.slice")).isEqualTo("web.slice");
        assertThat(UnitNames.mangle("a.b")).isEqualTo("a.b.service");
    }
}
