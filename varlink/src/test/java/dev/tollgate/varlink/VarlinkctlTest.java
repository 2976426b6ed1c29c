package dev.tollgate.varlink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.testkit.Varlinkctl;
import dev.tollgate.testkit.Varlinkctl.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * systemd's own client against our server: it parses our descriptions with systemd's IDL
 * parser and speaks the protocol as systemd does. varlinkctl is systemd 257's from a Debian
 * trixie root where the host has none ({@link Varlinkctl}).
 */
class VarlinkctlTest {
    @TempDir
    Path dir;
    private Path socket;
    private VarlinkServer server;
    private final TestInterface test = new TestInterface();
    private Varlinkctl varlinkctl;

    @BeforeEach
    void setUp() throws Exception {
        varlinkctl = Varlinkctl.require();
        System.out.println("VarlinkctlTest: " + varlinkctl);
        socket = dir.resolve("test.sock");
        server = VarlinkServer.builder(socket)
                .add(TestInterface.DESCRIPTION, test)
                .errorInterface(TestInterface.NAME)
                .info("tollgate test", "varlinkctl-test", "0.1", "https://example.org/")
                .start();
    }

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.close();
        }
    }

    private Run ok(Object... args) throws Exception {
        return varlinkctl.ok(args);
    }

    private static JsonNode json(String text) throws Exception {
        return VarlinkJson.mapper().readTree(text);
    }

    @Test
    void infoAndIntrospection() throws Exception {
        Run info = ok("info", socket);
        assertThat(info.out()).contains("tollgate test").contains("varlinkctl-test").contains("org.example.test");

        Run interfaces = ok("list-interfaces", socket);
        assertThat(interfaces.out().lines().map(String::strip).toList())
                .containsExactlyInAnyOrder("org.varlink.service", "org.example.test");

        Run test = ok("introspect", socket, "org.example.test");
        assertThat(test.out()).contains("method Echo").contains("error TestFailure");

        Run unknown = varlinkctl.run("introspect", socket, "org.example.nothing");
        assertThat(unknown.exit()).as(unknown.describe()).isNotZero();
        assertThat(unknown.err()).contains("org.varlink.service.InterfaceNotFound");
    }

    /** systemd's IDL parser accepts every description we ship, as written and as served. */
    @Test
    void validateIdl() throws Exception {
        Path shipped = dir.resolve("org.varlink.service.varlink");
        Files.writeString(shipped, OrgVarlinkService.description().text());
        ok("validate-idl", shipped);

        Path testIdl = dir.resolve("org.example.test.varlink");
        Files.writeString(testIdl, TestInterface.DESCRIPTION.text());
        ok("validate-idl", testIdl);

        Path served = dir.resolve("served.varlink");
        Files.writeString(served, ok("introspect", socket, TestInterface.NAME).out());
        ok("validate-idl", served);

        // It can fail: a description systemd refuses (a field type it does not know).
        Path bad = dir.resolve("bad.varlink");
        Files.writeString(bad, "interface org.example.bad\nmethod M(x: nosuchtype) -> ()\n");
        Run refused = varlinkctl.run("validate-idl", bad);
        assertThat(refused.exit()).as(refused.describe()).isNotZero();
    }

    @Test
    void callsRepliesAndErrors() throws Exception {
        Run echo = ok("call", socket, "org.example.test.Echo", "{\"text\":\"hi\"}");
        assertThat(json(echo.out()).get("text").textValue()).isEqualTo("hi");

        Run add = ok("call", "-j", socket, "org.example.test.Add", "{\"a\":40,\"b\":2}");
        assertThat(json(add.out()).get("sum").longValue()).isEqualTo(42);

        Run fail = varlinkctl.run("call", socket, "org.example.test.Fail", "{\"message\":\"as asked\"}");
        assertThat(fail.exit()).as(fail.describe()).isNotZero();
        assertThat(fail.err() + fail.out()).contains("org.example.test.TestFailure");

        Run unknown = varlinkctl.run("call", socket, "org.example.test.Unimplemented", "{}");
        assertThat(unknown.exit()).as(unknown.describe()).isNotZero();
        assertThat(unknown.err() + unknown.out()).contains("MethodNotImplemented");

        Run invalid = varlinkctl.run("call", socket, "org.example.test.Echo", "{\"text\":7}");
        assertThat(invalid.exit()).as(invalid.describe()).isNotZero();
        assertThat(invalid.err() + invalid.out()).contains("org.varlink.service.InvalidParameter");
    }

    @Test
    void moreStreamsEveryReply() throws Exception {
        Run more = ok("call", "--more", "-j", socket, "org.example.test.Count", "{\"n\":3}");
        List<Long> counted = more.out().lines().filter(l -> l.contains("\"i\""))
                .map(l -> {
                    try {
                        return json(l.replace("\u001e", "")).get("i").longValue();
                    } catch (Exception e) {
                        throw new AssertionError(l, e);
                    }
                }).toList();
        assertThat(counted).containsExactly(1L, 2L, 3L);

        // An error in the middle of the stream ends it, and varlinkctl says which.
        Run failing = varlinkctl.run("call", "--more", "-j", socket, "org.example.test.Count", "{\"n\":5,\"failAt\":3}");
        assertThat(failing.exit()).as(failing.describe()).isNotZero();
        assertThat(failing.err() + failing.out()).contains("org.example.test.TestFailure");
    }

    @Test
    void onewayIsDeliveredWithoutAReply() throws Exception {
        Run oneway = ok("call", "--oneway", socket, "org.example.test.Note", "{\"text\":\"sent oneway\"}");
        assertThat(oneway.out()).isEmpty();
        // The server got it (varlinkctl may end before the handler ran: wait for it, not a time).
        assertThat(test.notes.poll(5, TimeUnit.MINUTES)).isEqualTo("sent oneway");
    }
}
