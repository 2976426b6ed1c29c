package dev.tollgate.api.varlink.idl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.Manager;
import dev.tollgate.api.varlink.OrgVarlinkService;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InterfaceDescriptionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    // ---- the two descriptions we ship ----

    @Test
    void orgVarlinkServiceIsValidAndStrict() {
        InterfaceDescription d = OrgVarlinkService.description();
        assertThat(d.name()).isEqualTo("org.varlink.service");
        assertThat(d.hasStrictName()).isTrue();
        assertThat(d.systemdProblems()).isEmpty();
        assertThat(d.methods()).extracting(Member::name).containsExactly("GetInfo", "GetInterfaceDescription");
        assertThat(d.errors()).extracting(Member::name).containsExactly(
                "InterfaceNotFound", "MethodNotFound", "MethodNotImplemented", "InvalidParameter", "PermissionDenied", "ExpectedMore");
        assertThat(d.method("GetInfo").orElseThrow().output().fields()).extracting(Field::name)
                .containsExactly("vendor", "product", "version", "url", "interfaces");
        assertThat(d.doc()).startsWith("The Varlink Service Interface is provided by every varlink service.");
    }

    @Test
    void managerDescriptionIsValidForSystemdAndComplete() {
        InterfaceDescription d = Manager.description();
        assertThat(d.name()).isEqualTo("io.tollgate.Manager");
        assertThat(d.systemdProblems()).as("constructs systemd's parser refuses").isEmpty();
        // The grammar's interface names are lowercase only; systemd's (io.systemd.Manager) are not.
        assertThat(d.hasStrictName()).isFalse();
        assertThat(Names.isInterfaceName(d.name())).isTrue();

        assertThat(d.methods()).extracting(Member::name).containsExactly(
                "ListUnits", "GetUnit", "GetUnits", "GetCounters", "StartUnit", "StopUnit", "RestartUnit", "Reload",
                "RunTransient", "EnableUnit", "DisableUnit", "GetUnitFile", "ListUnitFiles", "Probe", "GetMetrics", "Subscribe",
                "GetDrops", "WatchDrops");
        assertThat(d.errors()).extracting(Member::name).containsExactly(
                "NoSuchUnit", "PermissionDenied", "UnitFailed", "InvalidUnit", "UnitExists", "NotRunning",
                "ProtocolError", "TooManyConnections", "TooManyStreams", "DropEventsUnavailable", "InternalError");
        assertThat(d.types()).extracting(Member::name).containsExactly(
                "UnitType", "ActiveState", "AttachMode", "Severity", "EventKind", "UnitFileChangeType",
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
        for (InterfaceDescription d : List.of(Manager.description(), OrgVarlinkService.description())) {
            InterfaceDescription again = InterfaceDescription.parse(d.format());
            assertThat(again.name()).isEqualTo(d.name());
            assertThat(again.doc()).isEqualTo(d.doc());
            assertThat(again.members()).isEqualTo(d.members());
            assertThat(again.format()).isEqualTo(d.format());
        }
    }

    // ---- the grammar ----

    @Test
    void varlinkOrgExamplesParse() throws Exception {
        InterfaceDescription d = InterfaceDescription.parse("""
                # Interface to jump a spacecraft to another point in space.
                interface org.example.ftl

                # The current state of the FTL drive and the amount of
                # fuel available to jump.
                type DriveCondition (
                  state: (idle, spooling, busy),
                  tylium_level: int
                )

                type MyType (
                   example_bool: bool,
                   example_int: int,
                   example_float: float,
                   example_string: string,
                   example_object: object,
                   example_enum: (one, two, three),
                   example_struct: (first: int, second: string),
                   example_array: []string,
                   example_dictionary: [string]string,
                   example_stringset: [string](),
                   example_nullable: ?string,
                   example_nullable_array_struct: ?[](first: int, second: string),
                   example_other_type: DriveCondition
                )

                # Monitor the drive.
                method Monitor() -> (condition: DriveCondition)
                method Jump(configuration: MyType) -> ()
                error NotEnoughEnergy ()
                error ParameterOutOfRange (field: string)
                """);
        assertThat(d.name()).isEqualTo("org.example.ftl");
        assertThat(d.doc()).isEqualTo("Interface to jump a spacecraft to another point in space.");
        assertThat(d.type("DriveCondition").orElseThrow().doc()).isEqualTo("The current state of the FTL drive and the amount of\nfuel available to jump.");
        assertThat(d.summary()).contains("method Monitor() -> (condition: DriveCondition)", "error NotEnoughEnergy ()");
        IdlType.Struct my = (IdlType.Struct) d.type("MyType").orElseThrow().type();
        assertThat(my.field("example_stringset").type()).isEqualTo(new IdlType.Dict(new IdlType.Struct(List.of())));
        assertThat(my.field("example_nullable_array_struct").type().spell()).isEqualTo("?[](first: int, second: string)");
        // The stringset is spec, but systemd refuses the empty ().
        assertThat(d.systemdProblems()).singleElement().asString().contains("empty ()");
    }

    @Test
    void commentsAnywhereAndCrLf() throws Exception {
        InterfaceDescription d = InterfaceDescription.parse(
                "# doc\r\ninterface a.b # trailing\r\n\r\n# M doc\r\nmethod M(\r\n  # field doc\r\n  x: int # after\r\n) -> ()\r\n");
        Member.Method m = d.method("M").orElseThrow();
        assertThat(m.doc()).isEqualTo("M doc");
        assertThat(m.input().field("x").doc()).isEqualTo("field doc");
        // Legal by the grammar; systemd takes comments only before a field.
        assertThat(d.systemdProblems()).singleElement().asString().contains("after a field's type");
    }

    @Test
    void blankLineEndsADocBlock() throws Exception {
        InterfaceDescription d = InterfaceDescription.parse("interface a.b\n# license header\n\n# the doc\nerror E ()\n");
        assertThat(d.error("E").orElseThrow().doc()).isEqualTo("the doc");
    }

    @Test
    void nestedContainersAreGrammarButNotSystemd() throws Exception {
        InterfaceDescription d = InterfaceDescription.parse("interface a.b\nmethod M(x: [][]string, y: [string]?int, z: []?string) -> ()\n");
        assertThat(d.systemdProblems()).hasSize(3);
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "method M() -> ()                                      | an interface description starts with 'interface'",
        "interface org.example                                 | an interface declares at least one",
        "interface Org..x\\nmethod M() -> ()                   | is not a valid interface name",
        "interface org\\nmethod M() -> ()                      | is not a valid interface name",
        "interface org.example-\\nmethod M() -> ()             | is not a valid interface name",
        "interface org.example\\nmethod m() -> ()              | is not a valid name",
        "interface org.example\\nmethod M() -> () method N() -> () | each declaration starts on a line of its own",
        "interface org.example method M() -> ()                | the interface name must end its line",
        "interface org.example\\nmethod M() -> ()\\nerror M ()  | 'M' is declared twice",
        "interface org.example\\nmethod M(a: int, a: int) -> () | field 'a' is declared twice",
        "interface org.example\\nmethod M(a: int,) -> ()       | no ',' after the last field",
        "interface org.example\\nmethod M(a: ??int) -> ()      | '??' is not a type",
        "interface org.example\\nmethod M(a: ? int) -> ()      | expected a type",
        "interface org.example\\nmethod M(a: [int]int) -> ()   | expected '[]' or '[string]'",
        "interface org.example\\nmethod M(a: Missing) -> ()    | uses type 'Missing', which is not declared",
        "interface org.example\\nmethod M(a: N) -> ()\\nmethod N() -> () | uses 'N' as a type, but it is not a type",
        "interface org.example\\nmethod M(a: integer) -> ()    | 'integer' is not a type",
        "interface org.example\\ntype T (a, b: int)            | an enum's values have no types",
        "interface org.example\\ntype T (a: int, b)            | expected ':' and a type",
        "interface org.example\\ntype T (a, a)                 | value 'a' is listed twice",
        "interface org.example\\nmethod M(a, b) -> ()          | must be fields with types, not an enum",
        "interface org.example\\nmethod M(_a: int) -> ()       | '_a' is not a valid field name",
        "interface org.example\\nmethod M(a__b: int) -> ()     | is not a valid field name",
        "interface org.example\\nmethod M(a: int) ()           | expected '->'",
        "interface org.example\\nmethod M(a: int -> ()         | expected ',' or ')'",
        "interface org.example\\nmethod M(a: int) -> (         | unexpected end",
        "interface org.example\\nfunction M() -> ()            | unknown keyword 'function'",
        "interface org.example\\nmethodM() -> ()               | expected whitespace before the name",
    })
    void invalidDescriptionsSayWhy(String text, String reason) {
        assertThatThrownBy(() -> InterfaceDescription.parse(text.replace("\\n", "\n")))
                .isInstanceOf(IdlException.class)
                .hasMessageContaining(reason.strip());
    }

    @Test
    void errorsCarryLineAndColumn() {
        assertThatThrownBy(() -> InterfaceDescription.parse("interface a.b\n\nmethod M(\n  x: int,\n  y: flot\n) -> ()\n"))
                .isInstanceOfSatisfying(IdlException.class, e -> {
                    assertThat(e.line()).isEqualTo(5);
                    assertThat(e.column()).isEqualTo(6);
                    assertThat(e.getMessage()).isEqualTo("5:6: 'flot' is not a type");
                });
    }

    @Test
    void names() {
        assertThat(Names.isInterfaceName("io.systemd.Manager")).isTrue();
        assertThat(Names.isInterfaceName("org.varlink.service")).isTrue();
        assertThat(Names.isInterfaceName("a-b.c")).isTrue();
        assertThat(Names.isInterfaceName("a--b.c")).isFalse();
        assertThat(Names.isInterfaceName("1a.b")).isFalse();
        assertThat(Names.isInterfaceName("ab")).isFalse();
        assertThat(Names.isStrictInterfaceName("io.tollgate.Manager")).isFalse();
        assertThat(Names.isStrictInterfaceName("io.tollgate.manager")).isTrue();
        assertThat(Names.isFieldName("mainPID")).isTrue();
        assertThat(Names.isFieldName("tylium_level")).isTrue();
        assertThat(Names.isFieldName("a_")).isFalse();
        assertThat(Names.isQualifiedMemberName("io.tollgate.Manager.NoSuchUnit")).isTrue();
        assertThat(Names.isQualifiedMemberName("NoSuchUnit")).isFalse();
        assertThat(Names.isQualifiedMemberName("io.tollgate.Manager.noSuchUnit")).isFalse();
    }

    // ---- checking JSON against a description ----

    private static final String CHECKED = """
            interface org.example.check
            type Item (name: string, size: ?int, kind: (small, large))
            method M(
              text: string,
              n: ?int,
              f: ?float,
              items: ?[]Item,
              tags: ?[string]string,
              raw: ?object,
              flag: ?bool
            ) -> (ok: bool)
            error E (why: string)
            """;

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "{\"text\": \"x\"}                                                    | ",
        "{\"text\": \"x\", \"n\": null, \"items\": null}                      | ",
        "{\"text\": \"x\", \"n\": 5, \"f\": 1, \"flag\": true, \"raw\": {\"a\": [1]}} | ",
        "{\"text\": \"x\", \"items\": [{\"name\": \"a\", \"kind\": \"small\"}], \"tags\": {\"k\": \"v\"}} | ",
        "{}                                                                    | text: missing or null",
        "{\"text\": null}                                                      | text: missing or null",
        "{\"text\": 5}                                                         | text: not a string",
        "{\"text\": \"x\", \"n\": 1.5}                                         | n: not an int",
        "{\"text\": \"x\", \"n\": \"5\"}                                       | n: not an int",
        "{\"text\": \"x\", \"f\": \"1\"}                                       | f: not a float",
        "{\"text\": \"x\", \"flag\": 1}                                        | flag: not a bool",
        "{\"text\": \"x\", \"raw\": []}                                        | raw: not an object",
        "{\"text\": \"x\", \"extra\": 1}                                       | extra: not a field",
        "{\"text\": \"x\", \"items\": {}}                                      | items: not an array",
        "{\"text\": \"x\", \"items\": [null]}                                  | items[0]: missing or null",
        "{\"text\": \"x\", \"items\": [{\"name\": \"a\"}]}                     | items[0].kind: missing or null",
        "{\"text\": \"x\", \"items\": [{\"name\": \"a\", \"kind\": \"huge\"}]} | items[0].kind: not one of small, large",
        "{\"text\": \"x\", \"items\": [{\"name\": \"a\", \"kind\": \"small\", \"x\": 1}]} | items[0].x: not a field of this object",
        "{\"text\": \"x\", \"tags\": {\"k\": 1}}                               | tags[\"k\"]: not a string",
    })
    void checkInput(String params, String problem) throws Exception {
        InterfaceDescription d = InterfaceDescription.parse(CHECKED);
        var result = d.checkInput("M", json(params));
        if (problem == null) {
            assertThat(result).isEmpty();
        } else {
            assertThat(result).isPresent();
            assertThat(result.get().message()).startsWith(problem.strip());
            // InvalidParameter names the top-level field, as systemd does.
            assertThat(problem.strip()).startsWith(result.get().field());
        }
    }

    @Test
    void checkOutputAndErrors() throws Exception {
        InterfaceDescription d = InterfaceDescription.parse(CHECKED);
        assertThat(d.checkOutput("M", json("{\"ok\": true}"))).isEmpty();
        assertThat(d.checkOutput("M", json("{}"))).get().extracting(InterfaceDescription.Problem::field).isEqualTo("ok");
        assertThat(d.checkError("E", json("{\"why\": \"because\"}"))).isEmpty();
        assertThat(d.checkError("E", json("{\"why\": 1}"))).isPresent();
        assertThat(d.checkType("Item", json("{\"name\": \"a\", \"kind\": \"large\", \"size\": 3}"))).isEmpty();
        assertThat(d.checkInput("M", json("[]"))).get().extracting(InterfaceDescription.Problem::message)
                .isEqualTo("parameters are not an object");
        assertThatThrownBy(() -> d.checkInput("Nope", json("{}"))).isInstanceOf(IllegalArgumentException.class);
    }
}
