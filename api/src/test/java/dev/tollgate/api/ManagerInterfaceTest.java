package dev.tollgate.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Messages.GetCountersRequest;
import dev.tollgate.api.Messages.GetUnitRequest;
import dev.tollgate.api.Messages.GetUnitsRequest;
import dev.tollgate.api.Messages.ListUnitFilesRequest;
import dev.tollgate.api.Messages.ListUnitsRequest;
import dev.tollgate.api.Messages.RunTransientRequest;
import dev.tollgate.api.Messages.SubscribeRequest;
import dev.tollgate.api.Messages.UnitRequest;
import dev.tollgate.varlink.VarlinkJson;
import dev.tollgate.varlink.idl.Field;
import dev.tollgate.varlink.idl.IdlType;
import dev.tollgate.varlink.idl.InterfaceDescription;
import dev.tollgate.varlink.idl.Member;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The records and the interface description say the same thing, field by field. */
class ManagerInterfaceTest {
    private static final InterfaceDescription IDL = ManagerInterface.description();

    private static ObjectNode json(Object record) {
        return VarlinkJson.toObject(record);
    }

    private static Set<String> keys(JsonNode n) {
        Set<String> s = new TreeSet<>();
        n.fieldNames().forEachRemaining(s::add);
        return s;
    }

    private static Set<String> fields(IdlType.Struct st) {
        Set<String> s = new TreeSet<>();
        st.fields().forEach(f -> s.add(f.name()));
        return s;
    }

    private static IdlType.Struct struct(String type) {
        return (IdlType.Struct) IDL.type(type).orElseThrow().type();
    }

    @Test
    void everyReplyRecordFitsItsMethodFullAndMinimal() throws Exception {
        for (Member.Method m : IDL.methods()) {
            for (Object reply : List.of(Samples.fullReply(m.name()), Samples.minimalReply(m.name()))) {
                ObjectNode out = json(reply);
                assertThat(IDL.checkOutput(m.name(), out)).as(m.name() + " " + out).isEmpty();
                // And back to the same record.
                assertThat(VarlinkJson.mapper().treeToValue(out, reply.getClass())).isEqualTo(reply);
            }
            // The full reply sets every field of the output: names agree exactly.
            assertThat(keys(json(Samples.fullReply(m.name())))).as(m.name()).isEqualTo(fields(m.output()));
        }
    }

    @Test
    void everyTypeRecordHasTheDescriptionsFieldNames() {
        Map<String, Object> full = new java.util.HashMap<>(Map.of(
                "Counters", Samples.COUNTERS,
                "UnitInfo", Samples.WEB,
                "Diagnostic", Samples.DIAGNOSTIC,
                "CounterSample", Samples.SAMPLE,
                "UnitChange", Samples.CHANGE,
                "ProbeFeature", new ProbeFeature("x", true, "y"),
                "Property", new Property("IPAccounting", "yes"),
                "DropIn", new DropIn("/a", "b"),
                "UnitFileChange", new UnitFileChange(UnitFileChangeType.SYMLINK, "/a", "/b"),
                "UnitFile", Samples.UNIT_FILE));
        full.put("DropEvent", new DropEvent(1, "a.service", "egress", 4, 17, "10.0.0.9", "10.0.0.1", 53, 5353, 3, 1, 84, 2));
        full.put("DropEventCount", new DropEventCount("a.service", 1, 2));
        for (Member.Type t : IDL.types()) {
            if (t.type() instanceof IdlType.Enum) {
                continue;
            }
            assertThat(full).as("a sample of " + t.name()).containsKey(t.name());
            ObjectNode out = json(full.get(t.name()));
            assertThat(keys(out)).as(t.name()).isEqualTo(fields(struct(t.name())));
            assertThat(IDL.checkType(t.name(), out)).as(t.name()).isEmpty();
        }
        // Nullable fields are left out when null, as the description allows.
        ObjectNode slice = json(Samples.SLICE);
        assertThat(slice.has("counters")).isFalse();
        assertThat(slice.has("mainPID")).isFalse();
        assertThat(slice.get("pids").isArray()).isTrue();
    }

    @Test
    void enumsMatch() {
        Map<String, List<String>> java = Map.of(
                "UnitType", wire(UnitType.values()),
                "ActiveState", wire(ActiveState.values()),
                "AttachMode", wire(AttachMode.values()),
                "Severity", wire(Severity.values()),
                "EventKind", wire(EventKind.values()),
                "UnitFileChangeType", wire(UnitFileChangeType.values()),
                "SystemState", wire(SystemState.values()));
        for (Member.Type t : IDL.types()) {
            if (t.type() instanceof IdlType.Enum e) {
                assertThat(java.get(t.name())).as(t.name()).isEqualTo(e.values());
            }
        }
        assertThat(ActiveState.fromWire("deactivating")).isEqualTo(ActiveState.DEACTIVATING);
        assertThat(EventKind.UNIT_CHANGE.toString()).isEqualTo("unitChange");
    }

    private static List<String> wire(Enum<?>[] values) {
        List<String> out = new ArrayList<>();
        for (Enum<?> v : values) {
            out.add(v.toString());
        }
        return out;
    }

    @Test
    void requestRecordsFitTheirMethods() throws Exception {
        Map<String, List<Object>> requests = Map.ofEntries(
                Map.entry("ListUnits", List.of(new ListUnitsRequest(null, null, null),
                        new ListUnitsRequest(List.of(UnitType.SERVICE, UnitType.SLICE), List.of("failed", "running"), true))),
                Map.entry("GetUnit", List.of(new GetUnitRequest("web.service"))),
                Map.entry("GetUnits", List.of(new GetUnitsRequest(List.of("a.service", "b@c.service")))),
                Map.entry("ListUnitFiles", List.of(new ListUnitFilesRequest(null, null),
                        new ListUnitFilesRequest(List.of("*.service", "web*"), List.of("enabled", "static")))),
                Map.entry("GetCounters", List.of(new GetCountersRequest(null), new GetCountersRequest(List.of("a.slice")))),
                Map.entry("StartUnit", List.of(new UnitRequest("a.service"))),
                Map.entry("StopUnit", List.of(new UnitRequest("a.service"))),
                Map.entry("RestartUnit", List.of(new UnitRequest("a.service"))),
                Map.entry("RunTransient", List.of(
                        new RunTransientRequest(null, null, null, null, List.of("/bin/true"), null),
                        new RunTransientRequest("x.service", "a.slice", "d", List.of(Property.parse("IPAddressDeny=any"),
                                Property.parse("Environment=A=B")), List.of("/bin/sh", "-c", "exit 3"), true))),
                Map.entry("EnableUnit", List.of(new UnitRequest("a.service"))),
                Map.entry("DisableUnit", List.of(new UnitRequest("a.service"))),
                Map.entry("GetUnitFile", List.of(new UnitRequest("a.service"))),
                Map.entry("Subscribe", List.of(new SubscribeRequest(null, null), new SubscribeRequest(List.of("a.service"), 500))),
                Map.entry("GetDrops", List.of(new Messages.DropsRequest(null, null),
                        new Messages.DropsRequest(List.of("a.service"), 1_700_000_000_000_000L))),
                Map.entry("WatchDrops", List.of(new Messages.DropsRequest(null, null),
                        new Messages.DropsRequest(List.of("a.service"), 1_700_000_000_000_000L))));
        for (Member.Method m : IDL.methods()) {
            if (m.input().fields().isEmpty()) {
                assertThat(requests).as(m.name() + " takes no parameters").doesNotContainKey(m.name());
                continue;
            }
            assertThat(requests).as("a request sample of " + m.name()).containsKey(m.name());
            for (Object r : requests.get(m.name())) {
                ObjectNode in = json(r);
                assertThat(IDL.checkInput(m.name(), in)).as(m.name() + " " + in).isEmpty();
                assertThat(VarlinkJson.mapper().treeToValue(in, r.getClass())).isEqualTo(r);
            }
            Object fullest = requests.get(m.name()).getLast();
            assertThat(keys(json(fullest))).as(m.name()).isEqualTo(fields(m.input()));
        }
        // 'wait' is a reserved name on records; the wire keeps the description's.
        assertThat(json(new RunTransientRequest(null, null, null, null, List.of("/bin/true"), true)).get("wait").booleanValue()).isTrue();
        assertThat(Property.parse("Environment=A=B")).isEqualTo(new Property("Environment", "A=B"));
    }

    @Test
    void errorsFitTheirDeclarations() {
        List<ManagerError> all = List.of(
                new ManagerError.NoSuchUnit("a.service"),
                new ManagerError.PermissionDenied(ManagerInterface.START_UNIT),
                new ManagerError.UnitFailed("a.service", "exit-code"),
                new ManagerError.InvalidUnit("a.service", List.of(Samples.DIAGNOSTIC, Samples.BARE_DIAGNOSTIC)),
                new ManagerError.UnitExists("a.service"),
                new ManagerError.NotRunning("stopping"),
                new ManagerError.ProtocolError("not JSON"),
                new ManagerError.TooManyConnections(4096),
                new ManagerError.TooManyStreams(256),
                new ManagerError.DropEventsUnavailable("no ring buffers"),
                new ManagerError.InternalError("oops"));
        assertThat(all).extracting(e -> e.errorName().substring(ManagerInterface.INTERFACE.length() + 1))
                .containsExactlyElementsOf(IDL.errors().stream().map(Member::name).toList());
        for (ManagerError e : all) {
            var v = e.toVarlinkError();
            assertThat(v.interfaceName()).isEqualTo(ManagerInterface.INTERFACE);
            assertThat(IDL.checkError(v.memberName(), v.parameters())).as(v.toString()).isEmpty();
            assertThat(keys(v.parameters())).isEqualTo(new TreeSet<>(IDL.error(v.memberName()).orElseThrow().fields()
                    .stream().map(Field::name).toList()));
            assertThat(ManagerError.from(v)).contains(e);
        }
        assertThat(ManagerError.from(dev.tollgate.varlink.OrgVarlinkService.expectedMore())).isEmpty();
    }

    @Test
    void changesAreTheMethodsThatNeedPrivilege() {
        assertThat(IDL.methods().stream().map(Member::name).filter(ManagerInterface::isChange)).containsExactly(
                "StartUnit", "StopUnit", "RestartUnit", "Reload", "RunTransient", "EnableUnit", "DisableUnit");
        assertThat(ManagerInterface.isChange(ManagerInterface.RELOAD)).isTrue();
        assertThat(ManagerInterface.isChange(ManagerInterface.GET_UNIT)).isFalse();
    }

    @Test
    void diagnosticPrintsLikeSystemd() {
        assertThat(Samples.DIAGNOSTIC).hasToString(
                "/etc/tollgate/units/web.service:12: [Service] IPAddressAllow=: invalid prefix '10.0.0.0/33', ignoring");
        assertThat(Samples.BARE_DIAGNOSTIC).hasToString("no such unit");
    }
}
