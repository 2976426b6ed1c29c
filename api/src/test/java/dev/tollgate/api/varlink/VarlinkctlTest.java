package dev.tollgate.api.varlink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.Manager;
import dev.tollgate.api.ManagerHandler;
import dev.tollgate.api.ManagerService;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * systemd's own client against our server, where it is installed (systemd 255 or newer). It
 * parses our descriptions with systemd's IDL parser, and speaks the protocol as systemd does.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VarlinkctlTest {
    @TempDir
    Path dir;
    private Path socket;
    private VarlinkServer server;
    private String varlinkctl;

    record Run(int exit, String out, String err) {}

    static Optional<String> findVarlinkctl() {
        List<String> places = new ArrayList<>();
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            places.add(d + "/varlinkctl");
        }
        places.add("/usr/bin/varlinkctl");
        for (String p : places) {
            if (!p.startsWith("/")) {
                continue;
            }
            if (Files.isExecutable(Path.of(p))) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    @BeforeEach
    void setUp() throws IOException {
        varlinkctl = findVarlinkctl().orElse(null);
        Assumptions.assumeTrue(varlinkctl != null,
                "varlinkctl is not installed (it comes with systemd 255 or newer); the test does not install systemd");
        socket = dir.resolve("test.sock");
        server = ManagerHandler.register(VarlinkServer.builder(socket), new ManagerService() {})
                .add(TestInterface.DESCRIPTION, new TestInterface())
                .info("tollgate test", "varlinkctl-test", "0.1", "https://example.org/")
                .start();
    }

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.close();
        }
    }

    private Run run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(varlinkctl);
        cmd.add("--no-pager");
        cmd.addAll(List.of(args));
        Path outFile = Files.createTempFile(dir, "out", ".txt");
        Path errFile = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(outFile.toFile()).redirectError(errFile.toFile()).start();
        p.getOutputStream().close();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String stdout = Files.readString(outFile);
        String stderr = Files.readString(errFile);
        return new Run(p.exitValue(), stdout, stderr);
    }

    @Test
    void infoAndIntrospection() throws Exception {
        Run info = run("info", socket.toString());
        assertThat(info.exit()).as(info.err()).isZero();
        assertThat(info.out()).contains("tollgate test").contains("io.tollgate.Manager").contains("org.example.test");

        Run manager = run("introspect", socket.toString(), Manager.INTERFACE);
        assertThat(manager.exit()).as(manager.err()).isZero();
        assertThat(manager.out()).contains("interface io.tollgate.Manager").contains("method Subscribe").contains("error NoSuchUnit");

        Run test = run("introspect", socket.toString(), "org.example.test");
        assertThat(test.exit()).as(test.err()).isZero();
        assertThat(test.out()).contains("method Echo");

        Path idl = dir.resolve("io.tollgate.Manager.varlink");
        Files.writeString(idl, Manager.description().text());
        Run validate = run("validate-idl", idl.toString());
        assertThat(validate.exit()).as(validate.err()).isZero();
    }

    @Test
    void calls() throws Exception {
        Run echo = run("call", socket.toString(), "org.example.test.Echo", "{\"text\":\"hi\"}");
        assertThat(echo.exit()).as(echo.err()).isZero();
        assertThat(VarlinkJson.mapper().readTree(echo.out()).get("text").textValue()).isEqualTo("hi");

        Run more = run("call", "--more", "-j", socket.toString(), "org.example.test.Count", "{\"n\":3}");
        assertThat(more.exit()).as(more.err()).isZero();
        assertThat(more.out().lines().filter(l -> l.contains("\"i\"")).count()).isEqualTo(3);

        Run oneway = run("call", "--oneway", socket.toString(), "org.example.test.Note", "{\"text\":\"x\"}");
        assertThat(oneway.exit()).as(oneway.err()).isZero();

        Run fail = run("call", socket.toString(), "org.example.test.Fail", "{\"message\":\"as asked\"}");
        assertThat(fail.exit()).isNotZero();
        assertThat(fail.err() + fail.out()).contains("org.example.test.TestFailure");

        Run unknown = run("call", socket.toString(), "io.tollgate.Manager.Probe", "{}");
        assertThat(unknown.exit()).isNotZero();
        assertThat(unknown.err() + unknown.out()).contains("MethodNotImplemented");
    }
}
