package dev.tollgate.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testkit.Varlinkctl;
import dev.tollgate.testkit.Varlinkctl.Run;
import dev.tollgate.varlink.VarlinkServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * systemd's own client against io.tollgate.Manager as {@link ManagerHandler} serves it: systemd's
 * IDL parser accepts the description, as shipped and as served. varlinkctl is systemd 257's
 * from a Debian trixie root where the host has none ({@link Varlinkctl}). The protocol itself is
 * the varlink module's VarlinkctlTest.
 */
class ManagerVarlinkctlTest {
    @TempDir
    Path dir;
    private Path socket;
    private VarlinkServer server;
    private Varlinkctl varlinkctl;

    @BeforeEach
    void setUp() throws Exception {
        varlinkctl = Varlinkctl.require();
        System.out.println("ManagerVarlinkctlTest: " + varlinkctl);
        socket = dir.resolve("manager.sock");
        server = ManagerHandler.register(VarlinkServer.builder(socket), new ManagerService() {})
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

    @Test
    void infoAndIntrospection() throws Exception {
        assertThat(ok("info", socket).out()).contains("tollgate test").contains(ManagerInterface.INTERFACE);
        assertThat(ok("list-interfaces", socket).out().lines().map(String::strip).toList())
                .containsExactlyInAnyOrder("org.varlink.service", ManagerInterface.INTERFACE);
        Run manager = ok("introspect", socket, ManagerInterface.INTERFACE);
        assertThat(manager.out()).contains("interface io.tollgate.Manager").contains("method Subscribe").contains("error NoSuchUnit");
    }

    /** systemd's IDL parser accepts io.tollgate.Manager, as written and as served. */
    @Test
    void validateIdl() throws Exception {
        Path shipped = dir.resolve("io.tollgate.Manager.varlink");
        Files.writeString(shipped, ManagerInterface.description().text());
        ok("validate-idl", shipped);

        Path served = dir.resolve("served.varlink");
        Files.writeString(served, ok("introspect", socket, ManagerInterface.INTERFACE).out());
        ok("validate-idl", served);
    }

    @Test
    void aMethodTheServiceLacksIsNotImplemented() throws Exception {
        Run unknown = varlinkctl.run("call", socket, ManagerInterface.PROBE, "{}");
        assertThat(unknown.exit()).as(unknown.describe()).isNotZero();
        assertThat(unknown.err() + unknown.out()).contains("org.varlink.service.MethodNotImplemented");
    }
}
