package dev.tollgate.varlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.testkit.Await;
import dev.tollgate.varlink.idl.InterfaceDescription;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 300, unit = TimeUnit.SECONDS)
class VarlinkServerTest {
    private Path dir;
    private Path socket;
    private TestInterface handler;
    private VarlinkServer server;
    private final ConcurrentLinkedQueue<String> protocolErrors = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pipelinesFull = new AtomicInteger();

    @BeforeEach
    void setUp() throws IOException {
        // World-readable, so that a client running as another user can reach the socket.
        dir = Files.createTempDirectory(Path.of("/tmp"), "varlink-test-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        socket = dir.resolve("io.example.sock");
        handler = new TestInterface();
    }

    @AfterEach
    void tearDown() throws IOException {
        if (server != null) {
            server.close();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** What every server needs from its caller: GetInfo's answer, an interface, whose errors it sends. */
    private VarlinkServer.Builder builder() {
        return VarlinkServer.builder(socket)
                .info("tollgate test", "varlink-test", "1.2.3", "https://example.org/")
                .add(TestInterface.DESCRIPTION, handler)
                .errorInterface(TestInterface.NAME);
    }

    private VarlinkServer start(ServerLimits limits) throws IOException {
        server = builder()
                .limits(limits)
                .observer(new VarlinkServer.Observer() {
                    @Override
                    public void protocolError(long connection, PeerCredentials peer, String reason) {
                        protocolErrors.add(reason);
                    }

                    @Override
                    public void pipelineFull(long connection, PeerCredentials peer) {
                        pipelinesFull.incrementAndGet();
                    }
                })
                .start();
        return server;
    }

    private VarlinkServer start() throws IOException {
        return start(ServerLimits.defaults());
    }

    private VarlinkClient client() throws IOException {
        return VarlinkClient.connect(socket, VarlinkClient.Options.defaults().withTimeout(Await.SAFETY_NET));
    }

    private static void await(Await.Condition condition, String what) throws InterruptedException {
        Await.until(what, condition);
    }

    // ---- calls ----

    @Test
    void callsAndTypedReplies() throws IOException {
        start();
        try (VarlinkClient c = client()) {
            assertThat(c.call("org.example.test.Echo", Map.of("text", "héllo\u0000")).get("text").textValue()).isEqualTo("héllo\u0000");
            record Sum(long sum) {}
            assertThat(c.call("org.example.test.Add", Map.of("a", 40, "b", 2), Sum.class)).isEqualTo(new Sum(42));
            assertThat(c.call("org.example.test.Items", Map.of("items", List.of(Map.of("name", "a"), Map.of("name", "b", "size", 3)),
                    "tags", Map.of("k", "v"))).get("count").intValue()).isEqualTo(2);
            assertThat(c.call("org.example.test.Sleep", Map.of("ms", 1)).isEmpty()).isTrue();
        }
    }

    @Test
    void socketFileIsWorldWritableAndRemovedOnClose() throws IOException {
        start();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-rw-rw-");
        server.close();
        assertThat(socket).doesNotExist();
        assertThatThrownBy(() -> VarlinkClient.connect(socket)).isInstanceOf(NotRunningException.class);
    }

    @Test
    void standardErrors() throws IOException {
        start();
        try (VarlinkClient c = client()) {
            assertError(c, "org.example.nope.Echo", Map.of(), OrgVarlinkService.interfaceNotFound("org.example.nope"));
            assertError(c, "org.example.test.Nope", Map.of(), OrgVarlinkService.methodNotFound("org.example.test.Nope"));
            assertError(c, "NoInterface", Map.of(), OrgVarlinkService.methodNotFound("NoInterface"));
            assertError(c, "org.example.test.Echo", Map.of(), OrgVarlinkService.invalidParameter("text"));
            assertError(c, "org.example.test.Echo", Map.of("text", 1), OrgVarlinkService.invalidParameter("text"));
            assertError(c, "org.example.test.Echo", Map.of("text", "x", "extra", true), OrgVarlinkService.invalidParameter("extra"));
            assertError(c, "org.example.test.Add", Map.of("a", 1.5, "b", 1), OrgVarlinkService.invalidParameter("a"));
            assertError(c, "org.example.test.Items", Map.of("items", List.of(Map.of("size", 1))), OrgVarlinkService.invalidParameter("items"));
            assertError(c, "org.example.test.Watch", Map.of(), OrgVarlinkService.expectedMore());
            assertError(c, "org.example.test.Unimplemented", Map.of(), OrgVarlinkService.methodNotImplemented("org.example.test.Unimplemented"));
            assertError(c, "org.example.test.Fail", Map.of("message", "as asked"),
                    VarlinkError.of("org.example.test.TestFailure", "message", "as asked"));
            assertError(c, "org.varlink.service.GetInfo", Map.of("x", 1), OrgVarlinkService.invalidParameter("x"));
            assertError(c, "org.varlink.service.GetInterfaceDescription", Map.of("interface", "org.example.nope"),
                    OrgVarlinkService.interfaceNotFound("org.example.nope"));
            // Integers must fit 64 bits.
            assertError(c, "org.example.test.Add", Map.of("a", new java.math.BigInteger("123456789012345678901234567890"), "b", 1),
                    OrgVarlinkService.invalidParameter("a"));
            // Still one healthy connection after all of these.
            assertThat(c.call("org.example.test.Echo", Map.of("text", "still here")).get("text").textValue()).isEqualTo("still here");
        }
    }

    private static void assertError(VarlinkClient c, String method, Map<String, ?> params, VarlinkError expected) {
        assertThatThrownBy(() -> c.call(method, params))
                .as(method + " " + params)
                .isInstanceOfSatisfying(VarlinkException.class, e -> assertThat(e.error()).isEqualTo(expected));
    }

    @Test
    void handlerFailuresAreInternalErrors() throws IOException {
        start();
        try (VarlinkClient c = client()) {
            assertThatThrownBy(() -> c.call("org.example.test.Crash", null))
                    .isInstanceOfSatisfying(VarlinkException.class, e -> {
                        assertThat(e.name()).isEqualTo("org.example.test.InternalError");
                        assertThat(e.error().text("message")).contains("IllegalStateException").doesNotContain("boom");
                    });
            assertThatThrownBy(() -> c.call("org.example.test.BadReply", null))
                    .isInstanceOfSatisfying(VarlinkException.class, e -> assertThat(e.error().text("message"))
                            .isEqualTo("reply of org.example.test.BadReply does not fit the interface"));
            assertThat(c.call("org.example.test.Echo", Map.of("text", "ok")).get("text").textValue()).isEqualTo("ok");
        }
    }

    @Test
    void upgradeIsRefused() throws IOException {
        start();
        try (RawClient raw = new RawClient(socket)) {
            JsonNode r = raw.send("{\"method\":\"org.example.test.Echo\",\"parameters\":{\"text\":\"x\"},\"upgrade\":true}").read();
            assertThat(r.get("error").textValue()).isEqualTo("org.varlink.service.InvalidParameter");
            assertThat(r.get("parameters").get("parameter").textValue()).isEqualTo("upgrade");
            assertThat(raw.send("{\"method\":\"org.example.test.Echo\",\"parameters\":{\"text\":\"y\"}}").read()
                    .get("parameters").get("text").textValue()).isEqualTo("y");
        }
    }

    // ---- streams ----

    @Test
    void moreStreams() throws IOException {
        start();
        try (VarlinkClient c = client()) {
            List<Integer> got = new ArrayList<>();
            try (ReplyStream<ObjectNode> s = c.callMore("org.example.test.Count", Map.of("n", 5))) {
                s.forEachRemaining(r -> got.add(r.get("i").intValue()));
                assertThat(s.isDone()).isTrue();
            }
            assertThat(got).containsExactly(1, 2, 3, 4, 5);
            // The same method without more: one reply.
            assertThat(c.call("org.example.test.Count", Map.of("n", 3)).get("i").intValue()).isEqualTo(3);
            // An error ends a stream.
            List<Integer> before = new ArrayList<>();
            ReplyStream<ObjectNode> failing = c.callMore("org.example.test.Count", Map.of("n", 10, "failAt", 4));
            assertThatThrownBy(() -> failing.forEachRemaining(r -> before.add(r.get("i").intValue())))
                    .isInstanceOfSatisfying(VarlinkException.class, e -> assertThat(e.error().text("message")).isEqualTo("failed at 4"));
            assertThat(before).containsExactly(1, 2, 3);
            assertThat(failing.isDone()).isTrue();
            // The connection is free again.
            assertThat(c.call("org.example.test.Echo", Map.of("text", "after")).get("text").textValue()).isEqualTo("after");
        }
    }

    @Test
    void closingTheConnectionEndsAStream() throws Exception {
        start();
        VarlinkClient c = client();
        ReplyStream<ObjectNode> s = c.callMore("org.example.test.Watch", Map.of("intervalMs", 5));
        assertThat(s.next().get("tick").intValue()).isEqualTo(1);
        assertThat(s.next().get("tick").intValue()).isEqualTo(2);
        assertThatThrownBy(() -> c.call("org.example.test.Echo", Map.of("text", "x"))).isInstanceOf(IllegalStateException.class);
        assertThat(server.activeStreams()).isEqualTo(1);
        s.close();
        assertThat(c.isOpen()).isFalse();
        await(() -> handler.watchersCancelled.get() == 1 && handler.watchersRunning.get() == 0, "the stream to be cancelled");
        await(() -> server.activeStreams() == 0 && server.connectionCount() == 0, "the connection to go");
    }

    @Test
    void tooManyStreams() throws Exception {
        start(ServerLimits.defaults().withMaxStreams(1));
        try (VarlinkClient a = client(); VarlinkClient b = client()) {
            ReplyStream<ObjectNode> s = a.callMore("org.example.test.Watch", Map.of("intervalMs", 1000));
            handler.watchStarted.await();
            ReplyStream<ObjectNode> refused = b.callMore("org.example.test.Watch", Map.of());
            assertThatThrownBy(refused::next).isInstanceOfSatisfying(VarlinkException.class, e -> {
                assertThat(e.name()).isEqualTo("org.example.test.TooManyStreams");
                assertThat(e.error().parameters().get("max").intValue()).isEqualTo(1);
            });
            // Calls without more still go.
            assertThat(b.call("org.example.test.Echo", Map.of("text", "x")).get("text").textValue()).isEqualTo("x");
            s.close();
        }
    }

    @Test
    void onewayAndPipelining() throws Exception {
        start();
        try (RawClient raw = new RawClient(socket)) {
            // Three calls in one write, a oneway one in the middle: two replies, in order.
            raw.send("{\"method\":\"org.example.test.Echo\",\"parameters\":{\"text\":\"one\"}}\0"
                    + "{\"method\":\"org.example.test.Note\",\"parameters\":{\"text\":\"quiet\"},\"oneway\":true}\0"
                    + "{\"method\":\"org.example.test.Echo\",\"parameters\":{\"text\":\"three\"}}");
            assertThat(raw.read().get("parameters").get("text").textValue()).isEqualTo("one");
            assertThat(raw.read().get("parameters").get("text").textValue()).isEqualTo("three");
            assertThat(handler.notes.poll(Await.SAFETY_NET.toSeconds(), TimeUnit.SECONDS)).isEqualTo("quiet");
            // A oneway call that fails answers nothing either.
            raw.send("{\"method\":\"org.example.test.Fail\",\"parameters\":{\"message\":\"x\"},\"oneway\":true}");
            raw.send("{\"method\":\"org.example.test.Echo\",\"parameters\":{\"text\":\"next\"}}");
            assertThat(raw.read().get("parameters").get("text").textValue()).isEqualTo("next");
        }
        try (VarlinkClient c = client()) {
            c.callOneway("org.example.test.Note", Map.of("text", "typed"));
            assertThat(handler.notes.poll(Await.SAFETY_NET.toSeconds(), TimeUnit.SECONDS)).isEqualTo("typed");
            assertThat(c.call("org.example.test.Echo", Map.of("text", "x")).get("text").textValue()).isEqualTo("x");
        }
    }

    @Test
    void pipelinedCallsWaitForTheStreamBeforeThem() throws Exception {
        start();
        try (RawClient raw = new RawClient(socket)) {
            raw.send("{\"method\":\"org.example.test.Count\",\"parameters\":{\"n\":3},\"more\":true}\0"
                    + "{\"method\":\"org.example.test.Echo\",\"parameters\":{\"text\":\"after\"}}");
            for (int i = 1; i <= 3; i++) {
                JsonNode r = raw.read();
                assertThat(r.get("parameters").get("i").intValue()).isEqualTo(i);
                assertThat(r.path("continues").asBoolean(false)).isEqualTo(i < 3);
            }
            assertThat(raw.read().get("parameters").get("text").textValue()).isEqualTo("after");
        }
    }

    @Test
    void aClientTooFarAheadIsNotReadUntilTheServerCatchesUp() throws Exception {
        start(ServerLimits.defaults().withMaxPipelinedCalls(2));
        try (RawClient raw = new RawClient(socket)) {
            // One call that blocks, and five behind it in one write: two may wait behind it, and
            // when the next is read the server stops reading until they are answered.
            StringBuilder calls = new StringBuilder("{\"method\":\"org.example.test.Hold\"}");
            for (int i = 1; i <= 5; i++) {
                calls.append("\0{\"method\":\"org.example.test.Echo\",\"parameters\":{\"text\":\"").append(i).append("\"}}");
            }
            raw.send(calls.toString());
            assertThat(handler.holding.await(Await.SAFETY_NET.toSeconds(), TimeUnit.SECONDS)).isTrue();
            await(() -> pipelinesFull.get() >= 1, "the server to stop reading the connection");
            handler.release.countDown();
            // Then every call is answered, in order.
            assertThat(raw.read().has("error")).isFalse();
            for (int i = 1; i <= 5; i++) {
                assertThat(raw.read().get("parameters").get("text").textValue()).isEqualTo(String.valueOf(i));
            }
        }
    }

    // ---- introspection ----

    @Test
    void getInfoAndInterfaceDescriptions() throws Exception {
        start();
        try (VarlinkClient c = client()) {
            ServiceInfo info = c.getInfo();
            assertThat(info).isEqualTo(new ServiceInfo("tollgate test", "varlink-test", "1.2.3", "https://example.org/",
                    List.of("org.example.test", "org.varlink.service")));
            for (String iface : info.interfaces()) {
                String text = c.getInterfaceDescription(iface);
                InterfaceDescription d = InterfaceDescription.parse(text);
                assertThat(d.name()).isEqualTo(iface);
                assertThat(d.systemdProblems()).isEmpty();
            }
            assertThat(c.getInterfaceDescription("org.example.test")).isEqualTo(TestInterface.DESCRIPTION.text());
            assertThat(c.getInterfaceDescription("org.varlink.service")).isEqualTo(OrgVarlinkService.description().text());
            // The replies themselves fit org.varlink.service.
            ObjectNode raw = c.call(OrgVarlinkService.GET_INFO, null);
            assertThat(OrgVarlinkService.description().checkOutput("GetInfo", raw)).isEmpty();
        }
    }

    /** A tiny interface beside org.example.test: what org.varlink.service says of a server with several. */
    private static final String TINY = """
            # The smallest interface.
            interface org.example.tiny

            # Answers nothing.
            method Ping() -> ()
            """;

    @Test
    void orgVarlinkServiceDescribesEveryInterfaceServed() throws Exception {
        InterfaceDescription tiny = InterfaceDescription.parse(TINY);
        server = builder().add(tiny, (ctx, method, p) -> {
            if (!method.equals("Ping")) {
                throw OrgVarlinkService.methodNotImplemented(ctx.method()).toException();
            }
            return null;
        }).start();
        try (VarlinkClient c = client()) {
            assertThat(c.getInfo().interfaces()).containsExactly("org.example.test", "org.example.tiny", "org.varlink.service");
            assertThat(c.getInterfaceDescription("org.example.tiny")).isEqualTo(TINY);
            assertThat(c.call("org.example.tiny.Ping", null).isEmpty()).isTrue();
            // The checks before a call reaches its handler are the same for every interface.
            assertError(c, "org.example.tiny.Pong", Map.of(), OrgVarlinkService.methodNotFound("org.example.tiny.Pong"));
            assertError(c, "org.example.tiny.Ping", Map.of("x", 1), OrgVarlinkService.invalidParameter("x"));
            // org.varlink.service's own methods, and what it does not have.
            assertError(c, "org.varlink.service.GetInterfaceDescription", Map.of(), OrgVarlinkService.invalidParameter("interface"));
            assertError(c, "org.varlink.service.Nope", Map.of(), OrgVarlinkService.methodNotFound("org.varlink.service.Nope"));
            ObjectNode described = c.call(OrgVarlinkService.GET_INTERFACE_DESCRIPTION, Map.of("interface", "org.example.tiny"));
            assertThat(OrgVarlinkService.description().checkOutput("GetInterfaceDescription", described)).isEmpty();
        }
    }

    /** The server serves what its caller gives it, and says so when something is missing. */
    @Test
    void theCallerSaysWhatIsServedAndWhoseErrorsTheServerSends() throws Exception {
        assertThatThrownBy(() -> VarlinkServer.builder(socket).add(TestInterface.DESCRIPTION, handler)
                .errorInterface(TestInterface.NAME).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs info(vendor, product, version, url)");
        assertThatThrownBy(() -> VarlinkServer.builder(socket).add(TestInterface.DESCRIPTION, handler)
                .info("v", "p", "1", "u").build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs errorInterface(name)");
        assertThatThrownBy(() -> builder().errorInterface("org.example.elsewhere").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("errorInterface org.example.elsewhere is not among the interfaces served: org.example.test");
        // An interface without the server's errors cannot carry them.
        InterfaceDescription tiny = InterfaceDescription.parse(TINY);
        assertThatThrownBy(() -> builder().add(tiny, (ctx, m, p) -> null).errorInterface("org.example.tiny").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.example.tiny must declare 'error ProtocolError (reason: string)' for the server's own errors");
        InterfaceDescription wrong = InterfaceDescription.parse("""
                interface org.example.wrong
                method Ping() -> ()
                error ProtocolError (reason: string)
                error TooManyConnections (max: string)
                error TooManyStreams (max: int)
                error InternalError (message: string)
                """);
        assertThatThrownBy(() -> builder().add(wrong, (ctx, m, p) -> null).errorInterface("org.example.wrong").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.example.wrong must declare 'error TooManyConnections (max: int)' for the server's own errors,"
                        + " not 'error TooManyConnections (max: string)'");
        // The declarations the server checks against are these.
        InterfaceDescription declared = InterfaceDescription.parse("interface org.example.errors\n" + VarlinkServer.SERVER_ERRORS);
        assertThat(declared.errors()).extracting(e -> e.name())
                .containsExactly("ProtocolError", "TooManyConnections", "TooManyStreams", "InternalError");
        assertThat(TestInterface.DESCRIPTION.errors()).extracting(e -> e.name()).containsAll(
                declared.errors().stream().map(e -> e.name()).toList());
        // org.varlink.service is the server's, and an interface is served once.
        assertThatThrownBy(() -> builder().add(OrgVarlinkService.description(), handler))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("org.varlink.service is built in");
        assertThatThrownBy(() -> builder().add(TestInterface.DESCRIPTION, handler))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("interface org.example.test added twice");
        // None of these made a socket.
        assertThat(socket).doesNotExist();
    }

    @Test
    void limitsOutOfRangeAreRefused() {
        ServerLimits d = ServerLimits.defaults();
        assertThat(d).isEqualTo(new ServerLimits(4096, 1024 * 1024, 16 * 1024 * 1024, Duration.ofMinutes(5), Duration.ofSeconds(30), 256, 16, 4096));
        assertThatThrownBy(() -> d.withMaxConnections(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range");
        assertThatThrownBy(() -> d.withMaxMessageSize(63)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range");
        assertThatThrownBy(() -> d.withMaxStreams(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range");
        assertThatThrownBy(() -> d.withMaxPipelinedCalls(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range");
        assertThatThrownBy(() -> d.withBacklog(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range");
        assertThatThrownBy(() -> d.withIdleTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class).hasMessage("timeouts must be positive");
        assertThatThrownBy(() -> d.withWriteTimeout(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeouts must be positive");
        // No streams at all is a limit too: every call with 'more' is refused.
        assertThat(d.withMaxStreams(0).maxStreams()).isZero();
    }

    // ---- the wire, by hand ----

    @Test
    void speaksTheSpecToAPlainSocketClient() throws Exception {
        start();
        try (RawClient raw = new RawClient(socket)) {
            JsonNode info = raw.send("{\"method\":\"org.varlink.service.GetInfo\"}").read();
            assertThat(info.has("error")).isFalse();
            assertThat(info.has("continues")).isFalse();
            assertThat(info.get("parameters").get("vendor").textValue()).isEqualTo("tollgate test");
            assertThat(info.get("parameters").get("interfaces")).hasSize(2);

            info = raw.send("{\"method\":\"org.varlink.service.GetInfo\",\"parameters\":{}}").read();
            assertThat(info.get("parameters").get("product").textValue()).isEqualTo("varlink-test");
            info = raw.send("{\"method\":\"org.varlink.service.GetInfo\",\"parameters\":null,\"more\":false,\"oneway\":false}").read();
            assertThat(info.get("parameters").get("version").textValue()).isEqualTo("1.2.3");

            JsonNode desc = raw.send("{ \"method\" : \"org.varlink.service.GetInterfaceDescription\" ,\n"
                    + " \"parameters\" : { \"interface\" : \"org.example.test\" } }").read();
            assertThat(desc.get("parameters").get("description").textValue()).startsWith("# An interface to test");

            JsonNode err = raw.send("{\"method\":\"org.example.test.Nope\",\"parameters\":{}}").read();
            assertThat(err.get("error").textValue()).isEqualTo("org.varlink.service.MethodNotFound");
            assertThat(err.get("parameters").get("method").textValue()).isEqualTo("org.example.test.Nope");
            assertThat(err.has("continues")).isFalse();

            raw.send("{\"method\":\"org.example.test.Count\",\"parameters\":{\"n\":2},\"more\":true}");
            JsonNode first = raw.read();
            assertThat(first.get("continues").booleanValue()).isTrue();
            assertThat(first.get("parameters").get("i").intValue()).isEqualTo(1);
            JsonNode last = raw.read();
            assertThat(last.has("continues")).isFalse();
            assertThat(last.get("parameters").get("i").intValue()).isEqualTo(2);

            // Vendor extensions are nested in an object named in reverse-domain notation, and ignored.
            assertThat(raw.send("{\"method\":\"org.example.test.Echo\",\"parameters\":{\"text\":\"v\"},\"org.example.trace\":{\"id\":7}}")
                    .read().get("parameters").get("text").textValue()).isEqualTo("v");

            // The exact bytes of a simple reply.
            raw.send("{\"method\":\"org.example.test.Echo\",\"parameters\":{\"text\":\"bytes\"}}");
            assertThat(raw.readText()).isEqualTo("{\"parameters\":{\"text\":\"bytes\"}}");
        }
    }

    // ---- misbehaving clients ----

    private void assertProtocolErrorThenClosed(byte[] message, boolean halfClose, String reasonPart) throws Exception {
        int before = protocolErrors.size();
        try (VarlinkClient healthy = client(); RawClient bad = new RawClient(socket)) {
            assertThat(healthy.call("org.example.test.Echo", Map.of("text", "before")).get("text").textValue()).isEqualTo("before");
            bad.sendBytes(message);
            if (halfClose) {
                bad.shutdownOutput();
            }
            JsonNode reply = bad.read();
            assertThat(reply).as("a ProtocolError reply").isNotNull();
            assertThat(reply.get("error").textValue()).isEqualTo("org.example.test.ProtocolError");
            assertThat(reply.get("parameters").get("reason").textValue()).contains(reasonPart);
            assertThat(bad.atEnd()).as("connection closed after the error").isTrue();
            // The other client, and a new one, carry on.
            assertThat(healthy.call("org.example.test.Echo", Map.of("text", "after")).get("text").textValue()).isEqualTo("after");
            try (VarlinkClient fresh = client()) {
                assertThat(fresh.call("org.example.test.Add", Map.of("a", 1, "b", 2)).get("sum").intValue()).isEqualTo(3);
            }
        }
        await(() -> protocolErrors.size() == before + 1, "the observer to hear of it");
    }

    @Test
    void garbage() throws Exception {
        start();
        assertProtocolErrorThenClosed("this is not json\0".getBytes(StandardCharsets.UTF_8), false, "not valid JSON");
        assertProtocolErrorThenClosed("[1,2,3]\0".getBytes(StandardCharsets.UTF_8), false, "a call is a JSON object");
        assertProtocolErrorThenClosed("{\"parameters\":{}}\0".getBytes(StandardCharsets.UTF_8), false, "no 'method'");
        assertProtocolErrorThenClosed("{\"method\":42}\0".getBytes(StandardCharsets.UTF_8), false, "'method' is not a string");
        assertProtocolErrorThenClosed("{\"method\":\"org.example.test.Echo\",\"parameters\":[]}\0".getBytes(StandardCharsets.UTF_8), false,
                "'parameters' is not an object");
        assertProtocolErrorThenClosed("{\"method\":\"a.b.C\",\"more\":true,\"oneway\":true}\0".getBytes(StandardCharsets.UTF_8), false,
                "exclude each other");
        assertProtocolErrorThenClosed("{\"method\":\"a.b.C\"} trailing\0".getBytes(StandardCharsets.UTF_8), false, "not valid JSON");
        assertProtocolErrorThenClosed("{\"method\":\"a.b.C\",\"method\":\"a.b.D\"}\0".getBytes(StandardCharsets.UTF_8), false, "Duplicate field");
        assertProtocolErrorThenClosed("\0".getBytes(StandardCharsets.UTF_8), false, "empty message");
        byte[] badUtf8 = "{\"method\":\"org.example.test.Echo\",\"parameters\":{\"text\":\"\u00ff\"}}\0".getBytes(StandardCharsets.ISO_8859_1);
        assertProtocolErrorThenClosed(badUtf8, false, "not valid UTF-8");
    }

    @Test
    void truncatedMessage() throws Exception {
        start();
        assertProtocolErrorThenClosed("{\"method\":\"org.example.test.Ec".getBytes(StandardCharsets.UTF_8), true, "in the middle of a message");
    }

    @Test
    void oversizedMessage() throws Exception {
        start(ServerLimits.defaults().withMaxMessageSize(4096));
        byte[] big = ("{\"method\":\"org.example.test.Echo\",\"parameters\":{\"text\":\"" + "x".repeat(5000) + "\"}}\0")
                .getBytes(StandardCharsets.UTF_8);
        assertProtocolErrorThenClosed(big, false, "larger than the limit of 4096 bytes");
        // A message without any NUL at all is cut off at the limit, too.
        assertProtocolErrorThenClosed("y".repeat(100_000).getBytes(StandardCharsets.UTF_8), false, "larger than the limit");
        // Right at the limit is fine.
        String text = "x".repeat(4096 - "{\"method\":\"org.example.test.Echo\",\"parameters\":{\"text\":\"\"}}".length());
        try (VarlinkClient c = client()) {
            assertThat(c.call("org.example.test.Echo", Map.of("text", text)).get("text").textValue()).hasSize(text.length());
        }
    }

    @Test
    void oversizedRepliesAreReplacedByAnError() throws Exception {
        start(ServerLimits.defaults().withMaxReplySize(4096));
        try (VarlinkClient c = client()) {
            assertThatThrownBy(() -> c.call("org.example.test.Big", Map.of("size", 10_000)))
                    .isInstanceOfSatisfying(VarlinkException.class, e -> assertThat(e.error().text("message")).contains("larger than 4096"));
            assertThat(c.call("org.example.test.Big", Map.of("size", 10)).get("data").textValue()).hasSize(10);
        }
    }

    @Test
    void repliesMayBeLargerThanRequests() throws Exception {
        // A reply lists what the server holds (ListUnits of 2,000 units is over 1 MiB); requests
        // stay small. systemd allows 16 MiB either way.
        start();
        try (VarlinkClient c = client()) {
            assertThat(c.call("org.example.test.Big", Map.of("size", 3 << 20)).get("data").textValue()).hasSize(3 << 20);
        }
        assertThatThrownBy(() -> ServerLimits.defaults().withMaxReplySize(63)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void idleConnectionsAreClosedButStreamsAreNot() throws Exception {
        start(ServerLimits.defaults().withIdleTimeout(Duration.ofMillis(1000)));
        // The stream first (its connection is idle only until the call arrives), then the idle one.
        try (VarlinkClient streaming = client()) {
            ReplyStream<ObjectNode> s = streaming.callMore("org.example.test.Watch", Map.of("intervalMs", 100));
            assertThat(s.next().get("tick").intValue()).isPositive();
            long t0 = System.nanoTime();
            try (RawClient idle = new RawClient(socket)) {
                assertThat(idle.atEnd()).isTrue();
            }
            // Not before the idle timeout; the stream, older than the idle connection, goes on:
            // still served, and on to 3 s of ticks, three times the idle timeout.
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(1000));
            await(() -> server.connectionCount() == 1, "the idle connection to be counted out");
            for (int tick = 0; tick < 30; ) {
                int next = s.next().get("tick").intValue();
                assertThat(next).isGreaterThan(tick);
                tick = next;
            }
            s.close();
        }
    }

    @Test
    void aClientThatStopsReadingIsCutOff() throws Exception {
        start(ServerLimits.defaults().withWriteTimeout(Duration.ofMillis(500)));
        try (RawClient stuck = new RawClient(socket)) {
            // Replies of 64 kB, forever, and never read: the socket buffer fills, the write stalls.
            stuck.send("{\"method\":\"org.example.test.Flood\",\"parameters\":{\"size\":65536},\"more\":true}");
            await(() -> server.connectionCount() == 0, "the stuck connection to be closed");
            try (VarlinkClient c = client()) {
                assertThat(c.call("org.example.test.Echo", Map.of("text", "fine")).get("text").textValue()).isEqualTo("fine");
            }
        }
    }

    // ---- limits ----

    @Test
    void tooManyConnections() throws Exception {
        start(ServerLimits.defaults().withMaxConnections(2));
        try (VarlinkClient a = client(); VarlinkClient b = client()) {
            a.call("org.example.test.Echo", Map.of("text", "a"));
            b.call("org.example.test.Echo", Map.of("text", "b"));
            try (RawClient third = new RawClient(socket)) {
                JsonNode r = third.send("{\"method\":\"org.example.test.Echo\",\"parameters\":{\"text\":\"c\"}}").read();
                assertThat(r.get("error").textValue()).isEqualTo("org.example.test.TooManyConnections");
                assertThat(r.get("parameters").get("max").intValue()).isEqualTo(2);
                assertThat(third.atEnd()).isTrue();
            }
            assertThat(a.call("org.example.test.Echo", Map.of("text", "a2")).get("text").textValue()).isEqualTo("a2");
        }
        await(() -> server.connectionCount() == 0, "connections to close");
        try (VarlinkClient again = client()) {
            assertThat(again.call("org.example.test.Echo", Map.of("text", "room")).get("text").textValue()).isEqualTo("room");
        }
    }

    @Test
    void aThousandConcurrentClients() throws Exception {
        start(ServerLimits.defaults().withMaxConnections(2000));
        int n = 1000;
        CountDownLatch allConnected = new CountDownLatch(n);
        CountDownLatch allCalled = new CountDownLatch(n);
        AtomicInteger maxSeen = new AtomicInteger();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String text = "client-" + i;
                results.add(pool.submit(() -> {
                    try (VarlinkClient c = client()) {
                        allConnected.countDown();
                        // Everybody connected before anybody calls, and answered before anybody leaves.
                        if (!allConnected.await(Await.SAFETY_NET.toSeconds(), TimeUnit.SECONDS)) {
                            throw new AssertionError("not all connected");
                        }
                        String got = c.call("org.example.test.Echo", Map.of("text", text)).get("text").textValue();
                        allCalled.countDown();
                        if (!allCalled.await(Await.SAFETY_NET.toSeconds(), TimeUnit.SECONDS)) {
                            throw new AssertionError("not all called");
                        }
                        maxSeen.accumulateAndGet(server.connectionCount(), Math::max);
                        ReplyStream<ObjectNode> s = c.callMore("org.example.test.Count", Map.of("n", 3));
                        int count = 0;
                        while (s.hasNext()) {
                            s.next();
                            count++;
                        }
                        if (count != 3) {
                            throw new AssertionError("stream of " + count);
                        }
                        return got;
                    }
                }));
            }
            for (int i = 0; i < n; i++) {
                assertThat(results.get(i).get(2 * Await.SAFETY_NET.toSeconds(), TimeUnit.SECONDS)).isEqualTo("client-" + i);
            }
        }
        assertThat(maxSeen.get()).isEqualTo(n);
        await(() -> server.connectionCount() == 0, "all connections to close");
    }

    // ---- peer credentials ----

    @Test
    void peerCredentialsOfThisProcess() throws IOException {
        start();
        assertThat(PeerCredentials.mechanism()).as("surefire runs with --add-exports java.base/sun.nio.ch=ALL-UNNAMED")
                .startsWith("getsockopt");
        try (VarlinkClient c = client()) {
            ObjectNode p = c.call("org.example.test.Peer", null);
            assertThat(p.get("pid").longValue()).isEqualTo(ProcessHandle.current().pid());
            assertThat(p.get("uid").longValue()).isEqualTo(currentId("Uid"));
            assertThat(p.get("gid").longValue()).isEqualTo(currentId("Gid"));
            assertThat(p.get("source").textValue()).isEqualTo("SO_PEERCRED");
        }
    }

    @Test
    void theJdkPrincipalFallbackGivesNamesNotNumbers() throws Exception {
        Path path = dir.resolve("jdk.sock");
        try (ServerSocketChannel ssc = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ssc.bind(UnixDomainSocketAddress.of(path));
            try (var client = java.nio.channels.SocketChannel.open(UnixDomainSocketAddress.of(path)); var accepted = ssc.accept()) {
                assertThat(client.isConnected()).isTrue();
                PeerCredentials viaJdk = PeerCredentials.fromJdkPrincipal(accepted);
                assertThat(viaJdk.source()).isEqualTo(PeerCredentials.Source.JDK_PRINCIPAL);
                assertThat(viaJdk.pid()).isEqualTo(PeerCredentials.UNKNOWN);
                // root has a passwd entry, so the JDK says "root", which is no number.
                if (currentId("Uid") == 0) {
                    assertThat(viaJdk.uid()).isEqualTo(PeerCredentials.UNKNOWN);
                    assertThat(viaJdk.isRoot()).isFalse();
                }
                PeerCredentials exact = PeerCredentials.of(accepted);
                assertThat(exact.pid()).isEqualTo(ProcessHandle.current().pid());
            }
        }
    }

    @Test
    void peerCredentialsOfAnotherUser() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(currentId("Uid") == 0, "needs root to run a client as uid 65534");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux)");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs /usr/bin/python3");
        start();
        String script = """
                import json, os, socket, sys
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(sys.argv[1])
                s.sendall(b'{"method":"org.example.test.Peer"}\\0')
                buf = b''
                while not buf.endswith(b'\\0'):
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    buf += chunk
                print(json.dumps({"pid": os.getpid(), "uid": os.getuid(), "reply": json.loads(buf[:-1])}))
                """;
        Process p = new ProcessBuilder("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "/usr/bin/python3", "-c", script, socket.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        JsonNode result = VarlinkJson.mapper().readTree(out);
        assertThat(result.get("uid").intValue()).isEqualTo(65534);
        JsonNode peer = result.get("reply").get("parameters");
        assertThat(peer.get("uid").longValue()).isEqualTo(65534);
        assertThat(peer.get("gid").longValue()).isEqualTo(65534);
        assertThat(peer.get("pid").longValue()).isEqualTo(result.get("pid").longValue());
        assertThat(peer.get("source").textValue()).isEqualTo("SO_PEERCRED");
    }

    private static long currentId(String which) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(which + ":")) {
                return Long.parseLong(line.substring(which.length() + 1).trim().split("\\s+")[1]);
            }
        }
        throw new IllegalStateException("no " + which + " in /proc/self/status");
    }

    // ---- the socket file, the client's view ----

    @Test
    void staleSocketsAreReplacedAndLiveOnesKept() throws Exception {
        // A socket file left by a server that is gone.
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();
        assertThatThrownBy(() -> VarlinkClient.connect(socket)).isInstanceOfSatisfying(NotRunningException.class, e -> {
            assertThat(e.socket()).isEqualTo(socket);
            assertThat(e.getMessage()).contains(socket.toString()).contains("connection refused");
        });
        start();
        try (VarlinkClient c = client()) {
            assertThat(c.call("org.example.test.Echo", Map.of("text", "x")).get("text").textValue()).isEqualTo("x");
        }
        // A second server on the same path is refused, and does not take the file away.
        assertThatThrownBy(() -> builder().start())
                .isInstanceOf(IOException.class).hasMessageContaining("already listening");
        try (VarlinkClient c = client()) {
            assertThat(c.call("org.example.test.Echo", Map.of("text", "y")).get("text").textValue()).isEqualTo("y");
        }
    }

    @Test
    void aFileThatIsNoSocketIsLeftAlone() throws IOException {
        Files.writeString(socket, "data");
        assertThatThrownBy(this::start).isInstanceOf(IOException.class).hasMessageContaining("is not a socket");
        server = null;
        assertThat(Files.readString(socket)).isEqualTo("data");
        assertThatThrownBy(() -> VarlinkClient.connect(socket)).isInstanceOf(IOException.class).hasMessageContaining("is not a socket");
    }

    @Test
    void noSocketIsNotRunning() {
        assertThatThrownBy(() -> VarlinkClient.connect(dir.resolve("nothing-here")))
                .isInstanceOfSatisfying(NotRunningException.class, e -> {
                    assertThat(e.reason()).isEqualTo("no such socket");
                    assertThat(e.getMessage()).isEqualTo("nothing is listening on " + dir.resolve("nothing-here") + ": no such socket");
                });
    }

    @Test
    void shutdownEndsStreamsAndConnections() throws Exception {
        start();
        VarlinkClient streaming = client();
        RawClient idle = new RawClient(socket);
        ReplyStream<ObjectNode> s = streaming.callMore("org.example.test.Watch", Map.of("intervalMs", 10));
        s.next();
        // A grace far beyond the test's @Timeout: shutdown returns only because it ends the
        // stream rather than waiting for the call to finish by itself.
        server.shutdown(Duration.ofHours(1));
        assertThat(socket).doesNotExist();
        assertThat(handler.watchersCancelled.get()).isEqualTo(1);
        assertThat(idle.atEnd()).isTrue();
        assertThatThrownBy(() -> {
            while (s.hasNext()) {
                s.next();
            }
        }).isInstanceOf(java.io.UncheckedIOException.class);
        idle.close();
        streaming.close();
    }

    @Test
    void clientTimeout() throws Exception {
        start();
        try (VarlinkClient c = VarlinkClient.connect(socket, VarlinkClient.Options.defaults().withTimeout(Duration.ofMillis(200)))) {
            assertThatThrownBy(() -> c.call("org.example.test.Sleep", Map.of("ms", 1500)))
                    .isInstanceOf(java.net.SocketTimeoutException.class).hasMessageContaining("no reply from " + socket);
            assertThat(c.isOpen()).isFalse();
        }
    }
}
