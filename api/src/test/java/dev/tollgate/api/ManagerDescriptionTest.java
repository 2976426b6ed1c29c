package dev.tollgate.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.varlink.idl.Field;
import dev.tollgate.varlink.idl.IdlType;
import dev.tollgate.varlink.idl.InterfaceDescription;
import dev.tollgate.varlink.idl.Member;
import dev.tollgate.varlink.idl.Names;
import org.junit.jupiter.api.Test;

/** The io.tollgate.Manager description as the IDL parser reads it (moved here from the varlink module's IDL tests). */
class ManagerDescriptionTest {
    @Test
    void validForSystemdAndComplete() {
        InterfaceDescription d = ManagerInterface.description();
        assertThat(d.name()).isEqualTo("io.tollgate.Manager");
        assertThat(d.systemdProblems()).as("constructs systemd's parser refuses").isEmpty();
        // The grammar's interface names are lowercase only; systemd's (io.systemd.Manager) are not.
        assertThat(d.hasStrictName()).isFalse();
        assertThat(Names.isInterfaceName(d.name())).isTrue();

        assertThat(d.methods()).extracting(Member::name).containsExactly(
                "ListUnits", "GetUnit", "GetUnits", "GetCounters", "StartUnit", "StopUnit", "RestartUnit", "Reload",
                "RunTransient", "EnableUnit", "DisableUnit", "GetUnitFile", "ListUnitFiles", "Probe", "GetMetrics", "GetSystemState",
                "Subscribe", "GetDrops", "WatchDrops");
        assertThat(d.errors()).extracting(Member::name).containsExactly(
                "NoSuchUnit", "PermissionDenied", "UnitFailed", "InvalidUnit", "UnitExists", "NotRunning",
                "ProtocolError", "TooManyConnections", "TooManyStreams", "DropEventsUnavailable", "InternalError");
        assertThat(d.types()).extracting(Member::name).containsExactly(
                "UnitType", "ActiveState", "AttachMode", "Severity", "EventKind", "UnitFileChangeType", "SystemState",
                "Counters", "Diagnostic", "UnitInfo", "ProbeFeature", "Property", "DropIn", "UnitFileChange",
                "UnitChange", "CounterSample", "UnitFile", "DropEvent", "DropEventCount");

        assertThat(d.doc()).contains("tollgated");
        for (Member m : d.members()) {
            assertThat(m.doc()).as("documentation of " + m.name()).isNotBlank();
        }
        Member.Method subscribe = d.method("Subscribe").orElseThrow();
        assertThat(subscribe.requiresMore()).isTrue();
        assertThat(d.methods().stream().filter(Member.Method::supportsMore)).extracting(Member::name)
                .containsExactly("Subscribe", "WatchDrops");

        IdlType.Struct unitInfo = (IdlType.Struct) d.type("UnitInfo").orElseThrow().type();
        assertThat(unitInfo.fields()).extracting(Field::name).contains(
                "name", "type", "description", "loadState", "activeState", "subState", "mainPID", "pids",
                "controlGroup", "slice", "activeEnterTimestamp", "ipAccounting", "ipAddressAllow", "ipAddressDeny",
                "attachMode", "delegate", "counters", "lastError");
        assertThat(unitInfo.field("counters").type()).isEqualTo(new IdlType.Nullable(new IdlType.Named("Counters")));
        assertThat(unitInfo.field("pids").type()).isEqualTo(new IdlType.Array(IdlType.Primitive.INT));
        assertThat(unitInfo.field("mainPID").doc()).contains("MainPID=");
        IdlType.Struct counters = (IdlType.Struct) d.type("Counters").orElseThrow().type();
        assertThat(counters.fields()).extracting(Field::name).containsExactly(
                "ingressBytes", "ingressPackets", "egressBytes", "egressPackets",
                "ingressDroppedBytes", "ingressDroppedPackets", "egressDroppedBytes", "egressDroppedPackets");
        assertThat(d.error("NoSuchUnit").orElseThrow().fields()).extracting(Field::name).containsExactly("name");
        assertThat(d.error("PermissionDenied").orElseThrow().fields()).extracting(Field::name).containsExactly("method");
        IdlType.Enum kinds = (IdlType.Enum) d.type("EventKind").orElseThrow().type();
        assertThat(kinds.values()).containsExactly("snapshot", "unitChange", "counters");
        assertThat(kinds.docs().get(0)).contains("first reply");
    }

    @Test
    void formatParsesBackToTheSameMembers() throws Exception {
        InterfaceDescription d = ManagerInterface.description();
        InterfaceDescription again = InterfaceDescription.parse(d.format());
        assertThat(again.name()).isEqualTo(d.name());
        assertThat(again.doc()).isEqualTo(d.doc());
        assertThat(again.members()).isEqualTo(d.members());
        assertThat(again.format()).isEqualTo(d.format());
    }
}
