package dev.tollgate.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.api.Messages.EnableUnitReply;
import dev.tollgate.api.Messages.GetCountersReply;
import dev.tollgate.api.Messages.GetCountersRequest;
import dev.tollgate.api.Messages.GetMetricsReply;
import dev.tollgate.api.Messages.GetUnitFileReply;
import dev.tollgate.api.Messages.GetUnitReply;
import dev.tollgate.api.Messages.GetUnitRequest;
import dev.tollgate.api.Messages.ListUnitsReply;
import dev.tollgate.api.Messages.ListUnitsRequest;
import dev.tollgate.api.Messages.ProbeReply;
import dev.tollgate.api.Messages.ReloadReply;
import dev.tollgate.api.Messages.RunTransientReply;
import dev.tollgate.api.Messages.RunTransientRequest;
import dev.tollgate.api.Messages.SubscribeReply;
import dev.tollgate.api.Messages.SubscribeRequest;
import dev.tollgate.api.Messages.UnitFileChangesReply;
import dev.tollgate.api.Messages.UnitRequest;
import dev.tollgate.api.Messages.UnitStateReply;
import dev.tollgate.testkit.Await;
import dev.tollgate.varlink.CallContext;
import dev.tollgate.varlink.NotRunningException;
import dev.tollgate.varlink.OrgVarlinkService;
import dev.tollgate.varlink.ReplyStream;
import dev.tollgate.varlink.VarlinkClient;
import dev.tollgate.varlink.VarlinkException;
import dev.tollgate.varlink.VarlinkServer;
import dev.tollgate.varlink.idl.InterfaceDescription;
import dev.tollgate.varlink.idl.Member;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** io.tollgate.Manager end to end: ManagerClient -> socket -> ManagerHandler -> a fake ManagerService. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ManagerClientTest {
    @TempDir
    Path dir;
    private Path socket;
    private VarlinkServer server;
    private final FakeManager fake = new FakeManager();

    /** Answers with the samples, remembers requests, refuses changes when told to. */
    static final class FakeManager implements ManagerService {
        final List<Object> requests = new CopyOnWriteArrayList<>();
        volatile boolean denyChanges;
        final BlockingQueue<SubscribeReply> events = new LinkedBlockingQueue<>();
        volatile boolean subscriberGone;

        private void check(CallContext ctx) {
            if (denyChanges && ManagerInterface.isChange(ctx.method())) {
                throw new ManagerError.PermissionDenied(ctx.method()).toException();
            }
        }

        @Override
        public ListUnitsReply listUnits(CallContext ctx, ListUnitsRequest request) {
            requests.add(request);
            return (ListUnitsReply) Samples.fullReply("ListUnits");
        }

        @Override
        public GetUnitReply getUnit(CallContext ctx, GetUnitRequest request) {
            requests.add(request);
            if (!request.name().equals("web.service")) {
                throw new ManagerError.NoSuchUnit(request.name()).toException();
            }
            return (GetUnitReply) Samples.fullReply("GetUnit");
        }

        @Override
        public GetCountersReply getCounters(CallContext ctx, GetCountersRequest request) {
            requests.add(request);
            return (GetCountersReply) Samples.fullReply("GetCounters");
        }

        @Override
        public UnitStateReply startUnit(CallContext ctx, UnitRequest request) {
            check(ctx);
            requests.add(request);
            if (request.name().equals("broken.service")) {
                throw new ManagerError.InvalidUnit(request.name(), List.of(Samples.DIAGNOSTIC)).toException();
            }
            return new UnitStateReply(request.name(), ActiveState.ACTIVE, "running");
        }

        @Override
        public UnitStateReply stopUnit(CallContext ctx, UnitRequest request) {
            check(ctx);
            return new UnitStateReply(request.name(), ActiveState.INACTIVE, "dead");
        }

        @Override
        public UnitStateReply restartUnit(CallContext ctx, UnitRequest request) {
            check(ctx);
            throw new ManagerError.UnitFailed(request.name(), "exit-code").toException();
        }

        @Override
        public ReloadReply reload(CallContext ctx) {
            check(ctx);
            return (ReloadReply) Samples.fullReply("Reload");
        }

        @Override
        public RunTransientReply runTransient(CallContext ctx, RunTransientRequest request) {
            check(ctx);
            requests.add(request);
            return request.waitOrFalse() ? (RunTransientReply) Samples.fullReply("RunTransient")
                    : RunTransientReply.started(request.name() == null ? "run-u1.service" : request.name());
        }

        @Override
        public EnableUnitReply enableUnit(CallContext ctx, UnitRequest request) {
            check(ctx);
            return (EnableUnitReply) Samples.fullReply("EnableUnit");
        }

        @Override
        public UnitFileChangesReply disableUnit(CallContext ctx, UnitRequest request) {
            check(ctx);
            return (UnitFileChangesReply) Samples.minimalReply("DisableUnit");
        }

        @Override
        public GetUnitFileReply getUnitFile(CallContext ctx, UnitRequest request) {
            return (GetUnitFileReply) Samples.fullReply("GetUnitFile");
        }

        @Override
        public ProbeReply probe(CallContext ctx) {
            return (ProbeReply) Samples.fullReply("Probe");
        }

        @Override
        public GetMetricsReply getMetrics(CallContext ctx) {
            return (GetMetricsReply) Samples.fullReply("GetMetrics");
        }

        @Override
        public Messages.GetSystemStateReply getSystemState(CallContext ctx) {
            return (Messages.GetSystemStateReply) Samples.fullReply("GetSystemState");
        }

        @Override
        public SubscribeReply subscribe(CallContext ctx, SubscribeRequest request, Replies<SubscribeReply> replies) {
            requests.add(request);
            replies.send(SubscribeReply.snapshot(1, List.of(Samples.CHANGE), null));
            try {
                while (!replies.isCancelled()) {
                    SubscribeReply e = events.poll(10, TimeUnit.MILLISECONDS);
                    if (e != null && !replies.send(e)) {
                        break;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            subscriberGone = true;
            return null;
        }
    }

    @BeforeEach
    void start() throws IOException {
        socket = dir.resolve("io.tollgate.Manager");
        server = ManagerHandler.register(VarlinkServer.builder(socket), fake)
                .info("tollgate", "tollgated", "0.1.0", "https://tollgate.dev/")
                .start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ManagerClient client() throws IOException {
        return ManagerClient.connect(socket, VarlinkClient.Options.defaults().withTimeout(Await.SAFETY_NET));
    }

    @Test
    void everyMethod() throws Exception {
        try (ManagerClient t = client()) {
            assertThat(t.listUnits(List.of(UnitType.SERVICE), List.of("running"), true)).containsExactly(Samples.WEB, Samples.SLICE);
            assertThat(fake.requests.getLast()).isEqualTo(new ListUnitsRequest(List.of(UnitType.SERVICE), List.of("running"), true));
            assertThat(t.listUnits(null, null, false)).hasSize(2);
            assertThat(fake.requests.getLast()).isEqualTo(new ListUnitsRequest(null, null, null));

            assertThat(t.getUnit("web.service")).isEqualTo(Samples.WEB);
            assertThat(t.getCounters(List.of("web.service", "web.slice"))).containsExactly(Samples.SAMPLE, Samples.NO_DATA);
            assertThat(t.getCounters(null)).hasSize(2);
            assertThat(t.startUnit("a.service")).isEqualTo(new UnitStateReply("a.service", ActiveState.ACTIVE, "running"));
            assertThat(t.stopUnit("a.service").activeState()).isEqualTo(ActiveState.INACTIVE);
            assertThat(t.reload()).containsExactly(Samples.DIAGNOSTIC, Samples.BARE_DIAGNOSTIC);

            RunTransientRequest run = new RunTransientRequest(null, "a.slice", null,
                    List.of(Property.parse("IPAccounting=yes")), List.of("/bin/sh", "-c", "exit 3"), true);
            assertThat(t.runTransient(run)).isEqualTo(Samples.fullReply("RunTransient"));
            assertThat(fake.requests.getLast()).isEqualTo(run);
            assertThat(t.runTransient(new RunTransientRequest("x.service", null, null, null, List.of("/bin/true"), null)))
                    .isEqualTo(RunTransientReply.started("x.service"));

            assertThat(t.enableUnit("web.service").changes()).hasSize(1);
            assertThat(t.disableUnit("web.service")).isEmpty();
            assertThat(t.getUnitFile("web.service")).isEqualTo(Samples.fullReply("GetUnitFile"));
            assertThat(t.probe()).isEqualTo(Samples.fullReply("Probe"));
            assertThat(t.getMetrics()).startsWith("# TYPE tollgate_up gauge");
            assertThat(t.getSystemState()).isEqualTo(SystemState.DEGRADED);
            assertThat(t.getInfo().interfaces()).containsExactly("io.tollgate.Manager", "org.varlink.service");
            assertThat(t.getInfo().product()).isEqualTo("tollgated");
        }
    }

    @Test
    void typedErrors() throws Exception {
        try (ManagerClient t = client()) {
            assertThatThrownBy(() -> t.getUnit("nope.service")).isInstanceOfSatisfying(VarlinkException.class,
                    e -> assertThat(ManagerError.from(e)).contains(new ManagerError.NoSuchUnit("nope.service")));
            assertThatThrownBy(() -> t.startUnit("broken.service")).isInstanceOfSatisfying(VarlinkException.class,
                    e -> assertThat(ManagerError.from(e)).contains(new ManagerError.InvalidUnit("broken.service", List.of(Samples.DIAGNOSTIC))));
            assertThatThrownBy(() -> t.restartUnit("a.service")).isInstanceOfSatisfying(VarlinkException.class,
                    e -> assertThat(ManagerError.from(e)).contains(new ManagerError.UnitFailed("a.service", "exit-code")));
            fake.denyChanges = true;
            assertThatThrownBy(() -> t.reload()).isInstanceOfSatisfying(VarlinkException.class,
                    e -> assertThat(ManagerError.from(e)).contains(new ManagerError.PermissionDenied(ManagerInterface.RELOAD)));
            // Queries stay open.
            assertThat(t.getUnit("web.service").name()).isEqualTo("web.service");
            // Parameters the description does not allow never reach the service.
            assertThatThrownBy(() -> t.varlink().call(ManagerInterface.GET_UNIT, Map.of("name", "a", "all", true)))
                    .isInstanceOfSatisfying(VarlinkException.class, e -> assertThat(e.error()).isEqualTo(OrgVarlinkService.invalidParameter("all")));
            assertThatThrownBy(() -> t.varlink().call(ManagerInterface.LIST_UNITS, Map.of("types", List.of("socket"))))
                    .isInstanceOfSatisfying(VarlinkException.class, e -> assertThat(e.error()).isEqualTo(OrgVarlinkService.invalidParameter("types")));
            assertThatThrownBy(() -> t.varlink().call(ManagerInterface.SUBSCRIBE, Map.of()))
                    .isInstanceOfSatisfying(VarlinkException.class, e -> assertThat(e.error()).isEqualTo(OrgVarlinkService.expectedMore()));
        }
    }

    @Test
    void subscribeStream() throws Exception {
        try (ManagerClient t = client()) {
            ReplyStream<SubscribeReply> events = t.subscribe(new SubscribeRequest(List.of("web.service"), 250));
            SubscribeReply first = events.next();
            assertThat(first.kind()).isEqualTo(EventKind.SNAPSHOT);
            assertThat(first.changes()).containsExactly(Samples.CHANGE);
            assertThat(first.samples()).isNull();
            fake.events.add(SubscribeReply.counters(2, List.of(Samples.SAMPLE)));
            fake.events.add(SubscribeReply.unitChange(3, List.of(Samples.CHANGE)));
            assertThat(events.next()).isEqualTo(SubscribeReply.counters(2, List.of(Samples.SAMPLE)));
            assertThat(events.next().kind()).isEqualTo(EventKind.UNIT_CHANGE);
            assertThat(fake.requests.getLast()).isEqualTo(new SubscribeRequest(List.of("web.service"), 250));
            events.close();
        }
        Await.until("the service to see the client go", () -> fake.subscriberGone);
    }

    @Test
    void theDescriptionServedIsTheOneShipped() throws Exception {
        try (VarlinkClient c = VarlinkClient.connect(socket)) {
            String text = c.getInterfaceDescription(ManagerInterface.INTERFACE);
            assertThat(text).isEqualTo(ManagerInterface.description().text());
            InterfaceDescription parsed = InterfaceDescription.parse(text);
            assertThat(parsed.members()).isEqualTo(ManagerInterface.description().members());
        }
    }

    @Test
    void unimplementedMethodsSaySo() throws Exception {
        Path other = dir.resolve("partial");
        try (VarlinkServer partial = ManagerHandler.register(VarlinkServer.builder(other), new ManagerService() {})
                        .info("tollgate", "tollgated", "0.1.0", "https://tollgate.dev/").start();
             ManagerClient t = ManagerClient.connect(other)) {
            assertThatThrownBy(t::probe).isInstanceOfSatisfying(VarlinkException.class,
                    e -> assertThat(e.error()).isEqualTo(OrgVarlinkService.methodNotImplemented(ManagerInterface.PROBE)));
            assertThat(partial.connectionCount()).isEqualTo(1);
        }
    }

    @Test
    void notRunningNamesTheSocket() {
        Path missing = dir.resolve("gone");
        assertThatThrownBy(() -> ManagerClient.connect(missing)).isInstanceOfSatisfying(NotRunningException.class, e -> {
            assertThat(e.socket()).isEqualTo(missing);
            assertThat(e.getMessage()).contains(missing.toString());
        });
        assertThat(Files.exists(missing)).isFalse();
    }

    @Test
    void everyMethodHasAServiceMethodAndAClientMethod() {
        List<String> service = Arrays.stream(ManagerService.class.getDeclaredMethods()).map(Method::getName).toList();
        List<String> client = Arrays.stream(ManagerClient.class.getDeclaredMethods()).map(Method::getName).toList();
        for (Member.Method m : ManagerInterface.description().methods()) {
            String javaName = Character.toLowerCase(m.name().charAt(0)) + m.name().substring(1);
            assertThat(service).as("ManagerService." + javaName).contains(javaName);
            assertThat(client).as("ManagerClient." + javaName).contains(javaName);
            assertThat(ManagerInterface.class.getDeclaredFields()).extracting(java.lang.reflect.Field::getName)
                    .as("a constant for " + m.name()).contains(m.name().replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase());
        }
    }
}
