package dev.tollgate.system.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.ActiveState;
import dev.tollgate.api.CounterSample;
import dev.tollgate.api.Counters;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.ManagerError;
import dev.tollgate.api.Messages.RunTransientReply;
import dev.tollgate.api.Messages.RunTransientRequest;
import dev.tollgate.api.Messages.UnitStateReply;
import dev.tollgate.api.Property;
import dev.tollgate.api.UnitInfo;
import dev.tollgate.varlink.VarlinkClient;
import dev.tollgate.varlink.VarlinkException;
import dev.tollgate.system.TollgatedProcess;
import dev.tollgate.testkit.Await;
import dev.tollgate.testkit.Privileged;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 13, point 4: a storm of requests on the real daemon. 16 clients, each on a connection
 * of its own, issue random StartUnit, StopUnit, RestartUnit, Reload (with unit files changed
 * under it) and RunTransient for a fixed time (60 s) on 50 units, while services send UDP over
 * loopback through their firewalls. Afterwards, with every client quiet:
 *
 * <ul>
 *   <li>every request was answered, with a reply or a typed Varlink error: none hung (the
 *       clients wait {@link Await#SAFETY_NET}), no connection dropped, no untyped or internal error;</li>
 *   <li>each unit's ActiveState/SubState is what the last request on it implies. 40 units have
 *       one owner client each, so their last request is known exactly; the other 10 are shared
 *       by all clients, and their state must be one of those implied by the requests not
 *       finished before the last one began (the ones that may have taken effect last);</li>
 *   <li>counters are exact: each running traffic unit's counters (through GetCounters and its
 *       pinned map) equal what its current process says it sent and had refused; each
 *       RunTransient with wait reports exactly the traffic of its command; the slice, which
 *       saw every start and stop of its members, counts exactly what a receiver outside every
 *       unit got; a reader polling the slice never sees it go back; and nothing reached the
 *       denied address;</li>
 *   <li>nothing leaked: once every unit is stopped, the daemon's fds (by kind), BPF objects,
 *       attachments, pins and cgroups are those before the storm, its threads within
 *       {@value #THREAD_TOLERANCE}; after it stops, its cgroups, pins and BPF objects are gone.</li>
 * </ul>
 *
 * <p>The requests are drawn from seed {@value #SEED} ({@code -Dtollgate.stress.seed=N} for
 * another; printed). The storm lasts {@code -Dtollgate.stress.seconds} (60); nothing checked
 * depends on how much the machine gets done in it. The attach mode is link; the other modes run
 * with {@code -Dtollgate.stress.modes=link,multi,single} (each costs the storm's time and about
 * a minute more).
 */
@SuppressWarnings("try") // close() may be interrupted; tests propagate that
@Privileged(commands = {"python3", "bpftool"})
class RequestStormTest {
    /** CI's seed; another only through -Dtollgate.stress.seed. */
    static final long SEED = 0x5707_2013L;
    private static final int CLIENTS = 16;
    private static final int UNITS = 50;
    /** Units 40..49 are requested by every client; the others have one owner each. */
    private static final int FIRST_SHARED = 40;
    /** See StartStopLeakTest.THREAD_TOLERANCE; a little more for 16 connections' worth of pools. */
    private static final int THREAD_TOLERANCE = 8;
    private static final String PYTHON = "/usr/bin/python3";
    /** What a reload may change in a firewalled unit's allow list: prefixes no traffic here uses. */
    private static final List<String> EXTRA_ALLOWS = List.of("", "10.0.0.0/8", "192.168.0.0/16", "172.16.0.0/12 ::1");

    enum Kind {
        /** Sends UDP through its firewall until told to stop; IPAccounting=yes, in the slice. */
        TRAFFIC,
        /** Sleeps, with IPAccounting=yes and a firewall, in the slice. */
        FIREWALLED,
        /** Sleeps; no programs. */
        PLAIN,
        /** Type=oneshot, RemainAfterExit=yes; with accounting, in the slice. */
        ONESHOT;

        String activeSubState() {
            return this == ONESHOT ? "exited" : "running";
        }

        boolean firewalled() {
            return this == TRAFFIC || this == FIREWALLED;
        }
    }

    enum Op { START, STOP, RESTART, RELOAD, RUN }

    /** One of the 50 units; {@code owner} -1 for a shared one. */
    record StressUnit(int index, String name, Kind kind, int owner, int payload) {
        boolean shared() {
            return owner < 0;
        }
    }

    /** The state a request implies once it took effect; null where it implies nothing known. */
    record Outcome(ActiveState state, String subState) {
        static final Outcome INACTIVE = new Outcome(ActiveState.INACTIVE, "dead");
        static final Outcome FAILED = new Outcome(ActiveState.FAILED, "failed");

        @Override
        public String toString() {
            return state.wireName() + "/" + subState;
        }
    }

    /** A request on a unit: who sent it, when it went and came back (nanoTime), what it implies. */
    record Request(Op op, int client, long sent, long answered, Outcome outcome, String answer) {}

    private TollgatedProcess daemon;
    private String prefix;
    private String slice;
    private final List<StressUnit> units = new ArrayList<>();
    /** Requests on each unit, in no particular order. */
    private final Map<String, Queue<Request>> log = new ConcurrentHashMap<>();
    /** The extra allow prefix last written to each firewalled unit's file. */
    private final Map<String, String> extraAllow = new ConcurrentHashMap<>();
    private final Map<Op, LongAdder> requests = new EnumMap<>(Op.class);
    /** "OP ErrorName" -> how many. */
    private final Map<String, LongAdder> errors = new ConcurrentSkipListMap<>();
    /** What must not happen: a request without an answer, an untyped error, a wrong reply. */
    private final Queue<String> problems = new ConcurrentLinkedQueue<>();
    /** Transient units run without waiting: they must end by themselves. */
    private final Queue<String> unwaited = new ConcurrentLinkedQueue<>();
    private final LongAdder transients = new LongAdder();
    private Path stopFile;
    private int allowedPort;
    private int deniedPort;

    static List<String> modes() {
        return Arrays.stream(System.getProperty("tollgate.stress.modes", "link").split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).toList();
    }

    @BeforeEach
    void setUp() throws Exception {
        daemon = new TollgatedProcess();
        prefix = "x" + daemon.id;
        slice = "y" + daemon.id + ".slice";
        stopFile = daemon.work.resolve("stop");
        for (Op op : Op.values()) requests.put(op, new LongAdder());
    }

    @AfterEach
    void tearDown() throws Exception {
        daemon.close();
    }

    @ParameterizedTest(name = "attach mode {0}")
    @MethodSource("modes")
    @Timeout(value = 30, unit = TimeUnit.MINUTES) // a hang guard only: every wait inside has its own safety net
    void sixteenClientsStormFiftyUnitsAndEveryAnswerStateCounterAndObjectAddsUp(String mode) throws Exception {
        long seed = Long.getLong("tollgate.stress.seed", SEED);
        long seconds = Long.getLong("tollgate.stress.seconds", 60);
        System.out.printf("RequestStormTest[%s] seed=%d, %d s (rerun with -Dtollgate.stress.seed=%d)%n", mode, seed, seconds, seed);
        try {
            storm(mode, seed, seconds);
        } catch (Throwable t) {
            List<String> lines = daemon.logText().lines().toList();
            // Errors and warnings first (a failure early in the storm is far from the log's end).
            List<String> notable = lines.stream().filter(l -> l.startsWith("<3>") || l.startsWith("<4>")).limit(200).toList();
            System.out.printf("RequestStormTest[%s] failed with seed=%d; the daemon's errors and warnings (%d shown):%n%s%n", mode, seed,
                    notable.size(), String.join("\n", notable));
            System.out.printf("RequestStormTest[%s]: the daemon's log (last 200 of %d lines):%n%s%n", mode,
                    lines.size(), String.join("\n", lines.subList(Math.max(0, lines.size() - 200), lines.size())));
            throw t;
        }
    }

    private void storm(String mode, long seed, long seconds) throws Exception {
        daemon.args("--attach-mode", mode);
        try (Loopback.Receiver allowed = new Loopback.Receiver("127.0.0.1");
             Loopback.Receiver denied = new Loopback.Receiver("127.0.0.2")) {
            allowedPort = allowed.port();
            deniedPort = denied.port();
            daemon.unit(slice, "[Slice]\nIPAccounting=yes\n", false);
            for (int i = 0; i < UNITS; i++) {
                Kind kind = switch (i % 5) {
                    case 0, 1 -> Kind.TRAFFIC;
                    case 2 -> Kind.FIREWALLED;
                    case 3 -> Kind.PLAIN;
                    default -> Kind.ONESHOT;
                };
                StressUnit u = new StressUnit(i, "%s-%02d.service".formatted(prefix, i), kind, i < FIRST_SHARED ? i % CLIENTS : -1, 16 + i);
                units.add(u);
                log.put(u.name(), new ConcurrentLinkedQueue<>());
                writeUnit(u, "");
            }
            daemon.start();

            warmUp();
            DaemonFootprint before = settled(null);
            System.out.printf("  before the storm:%n    %s%n", before.describe());

            // The storm, and beside it a reader of the slice's counters.
            AtomicBoolean quiet = new AtomicBoolean();
            Observer observer = new Observer(quiet);
            Thread observerThread = Thread.ofPlatform().name("storm-observer").start(observer);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                Client client = new Client(c, new Random(seed * 31 + c), end);
                clients.add(Thread.ofPlatform().name("storm-client-" + c).start(client));
            }
            for (Thread t : clients) t.join();
            quiet.set(true);
            observerThread.join();
            long total = requests.values().stream().mapToLong(LongAdder::sum).sum();
            System.out.printf("RequestStormTest[%s]: %d requests in %d s: %s; %d transient units; errors %s; observer: %d reads%n",
                    mode, total, seconds, requestCounts(), transients.sum(), errorCounts(), observer.reads.sum());

            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(List.copyOf(problems)).as("requests without an answer, untyped or internal errors, wrong replies").isEmpty();
            soft.assertThat(List.copyOf(observer.problems)).as("what the counter reader saw").isEmpty();
            Set<Long> mainPids = new TreeSet<>();
            try (ManagerClient c = client()) {
                checkStates(c, soft, mainPids);
                checkTraffic(c, soft, allowed, denied, mainPids);
                checkAddressLists(c, soft);
                // Back to where the storm began: every unit stopped.
                for (StressUnit u : units) {
                    soft.assertThat(c.stopUnit(u.name()).activeState()).as("StopUnit %s after the storm", u.name())
                            .isEqualTo(ActiveState.INACTIVE);
                }
            }
            DaemonFootprint after = settled(before);
            System.out.printf("  after the storm, every unit stopped:%n    %s%n", after.describe());
            soft.assertThat(after.bpf()).as("our maps, programs and links in the kernel").isEqualTo(before.bpf());
            soft.assertThat(after.attached()).as("programs attached under the cgroup root (bpftool)").isEqualTo(before.attached());
            soft.assertThat(after.pinFiles()).as("pins under the bpffs directory").isEqualTo(before.pinFiles());
            soft.assertThat(after.pinDirs()).as("directories under the bpffs directory").isEqualTo(before.pinDirs());
            soft.assertThat(after.cgroups()).as("cgroups below the root").isEqualTo(before.cgroups());
            soft.assertThat(after.fdKinds()).as("daemon fds by kind").isEqualTo(before.fdKinds());
            soft.assertThat(after.threads()).as("daemon threads (%d before, tolerance %d)", before.threads(), THREAD_TOLERANCE)
                    .isLessThanOrEqualTo(before.threads() + THREAD_TOLERANCE);
            System.out.printf("RequestStormTest[%s]: leak figures: fds %d -> %d, threads %d -> %d, maps %d -> %d, programs %d -> %d, "
                            + "links %d -> %d, pins %d -> %d, cgroups %d -> %d%n", mode, before.fds(), after.fds(), before.threads(),
                    after.threads(), before.bpf().maps().size(), after.bpf().maps().size(), before.bpf().programs().size(),
                    after.bpf().programs().size(), before.bpf().links().size(), after.bpf().links().size(), before.pinFiles(),
                    after.pinFiles(), before.cgroups(), after.cgroups());
            soft.assertAll();

            assertThat(daemon.stop()).as("tollgated's exit status").isZero();
            assertThat(daemon.cgroupRoot).as("the daemon's cgroup subtree after it stopped").doesNotExist();
            assertThat(daemon.bpffs).as("the daemon's bpffs directory after it stopped").doesNotExist();
            assertThat(daemon.state.resolve("spawn")).doesNotExist();
            Await.until("the test's BPF objects to leave the kernel", () -> census().equals(new BpfCensus(Set.of(), Set.of(), Set.of())));
            assertThat(mainPids.stream().filter(Procs::alive).toList()).as("main processes still running").isEmpty();
        }
    }

    // ---- the clients ------------------------------------------------------------------------

    /** One client: its own connection and random sequence; requests until the storm's end. */
    private final class Client implements Runnable {
        private final int index;
        private final Random rnd;
        private final long end;
        private final List<StressUnit> own;
        private final List<StressUnit> shared;
        private ManagerClient c;
        private int runs;

        Client(int index, Random rnd, long end) {
            this.index = index;
            this.rnd = rnd;
            this.end = end;
            own = units.stream().filter(u -> u.owner() == index).toList();
            shared = units.stream().filter(StressUnit::shared).toList();
        }

        @Override
        public void run() {
            try {
                c = client();
                while (System.nanoTime() < end) {
                    int p = rnd.nextInt(100);
                    StressUnit u = rnd.nextInt(10) < 7 ? own.get(rnd.nextInt(own.size())) : shared.get(rnd.nextInt(shared.size()));
                    if (p < 26) unitRequest(Op.START, u);
                    else if (p < 50) unitRequest(Op.STOP, u);
                    else if (p < 70) unitRequest(Op.RESTART, u);
                    else if (p < 92) runTransient();
                    else reload();
                }
            } catch (Exception | Error e) {
                problems.add("client " + index + " gave up: " + e);
            } finally {
                if (c != null) c.close();
            }
        }

        private void unitRequest(Op op, StressUnit u) throws IOException {
            requests.get(op).increment();
            Outcome implied = op == Op.STOP ? Outcome.INACTIVE : new Outcome(ActiveState.ACTIVE, u.kind().activeSubState());
            long sent = System.nanoTime();
            Outcome outcome;
            String answer;
            try {
                UnitStateReply r = switch (op) {
                    case START -> c.startUnit(u.name());
                    case STOP -> c.stopUnit(u.name());
                    case RESTART -> c.restartUnit(u.name());
                    default -> throw new IllegalArgumentException(op.name());
                };
                answer = r.activeState().wireName() + "/" + r.subState();
                outcome = implied;
                // A shared unit's request may overlap one that undoes it: only its final state is checked.
                if (!u.shared() && !(r.activeState() == implied.state() && r.subState().equals(implied.subState()))) {
                    problems.add("client %d: %s %s answered %s, expected %s".formatted(index, op, u.name(), answer, implied));
                }
            } catch (VarlinkException e) {
                answer = refused(op, u.name(), e);
                outcome = ManagerError.from(e).filter(x -> x instanceof ManagerError.UnitFailed).isPresent() ? Outcome.FAILED : null;
            } catch (IOException e) {
                lost(op, u.name(), e);
                answer = "no answer: " + e;
                outcome = null;
            }
            log.get(u.name()).add(new Request(op, index, sent, System.nanoTime(), outcome, answer));
        }

        /** Changes the allow list of one to three firewalled units on disk, then reloads. */
        private void reload() throws IOException {
            requests.get(Op.RELOAD).increment();
            List<StressUnit> firewalled = units.stream().filter(u -> u.kind().firewalled()).toList();
            for (int i = 1 + rnd.nextInt(3); i > 0; i--) {
                StressUnit u = firewalled.get(rnd.nextInt(firewalled.size()));
                writeUnit(u, EXTRA_ALLOWS.get(rnd.nextInt(EXTRA_ALLOWS.size())));
            }
            try {
                List<?> diagnostics = c.reload();
                if (!diagnostics.isEmpty()) problems.add("client " + index + ": Reload reported " + diagnostics);
            } catch (VarlinkException e) {
                refused(Op.RELOAD, "", e);
            } catch (IOException e) {
                lost(Op.RELOAD, "", e);
            }
        }

        /**
         * A transient unit in the slice, with accounting and a firewall, whose command sends a
         * random number of datagrams of a random size and has a few refused; with wait (three
         * times in four) its reply must count them exactly.
         */
        private void runTransient() throws IOException {
            requests.get(Op.RUN).increment();
            transients.increment();
            String name = "%s-r%02d-%d.service".formatted(prefix, index, runs++);
            int sent = 1 + rnd.nextInt(40);
            int payload = 1 + rnd.nextInt(200);
            int refused = rnd.nextInt(5);
            boolean wait = rnd.nextInt(4) != 0;
            String script = """
                    import socket
                    s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
                    for i in range(%d): s.sendto(b'z'*%d,('127.0.0.1',%d))
                    r=0
                    for i in range(%d):
                        try: s.sendto(b'y',('127.0.0.2',%d))
                        except PermissionError: r+=1
                    raise SystemExit(0 if r==%d else 3)
                    """.formatted(sent, payload, allowedPort, refused, deniedPort, refused);
            RunTransientRequest request = new RunTransientRequest(name, slice, "storm run", List.of(
                    new Property("IPAccounting", "yes"), new Property("IPAddressDeny", "any"),
                    new Property("IPAddressAllow", "127.0.0.1")), List.of(PYTHON, "-c", script), wait);
            try {
                RunTransientReply r = c.runTransient(request);
                if (!name.equals(r.name())) problems.add("RunTransient " + name + " answered for " + r.name());
                if (!wait) {
                    unwaited.add(name);
                    return;
                }
                Counters expected = new Counters(0, 0, Loopback.ipBytes(sent, payload), sent, 0, 0, Loopback.ipBytes(refused, 1), refused);
                if (!"success".equals(r.result()) || !"exited".equals(r.exitCode()) || !Integer.valueOf(0).equals(r.exitStatus())
                        || !expected.equals(r.counters())) {
                    problems.add("client %d: RunTransient %s (%d x %d B, %d refused) answered %s; expected success, exited 0, %s"
                            .formatted(index, name, sent, payload, refused, r, expected));
                }
            } catch (VarlinkException e) {
                refused(Op.RUN, name, e);
            } catch (IOException e) {
                lost(Op.RUN, name, e);
            }
        }

        /** Counts a typed error; an untyped or internal one is a problem. Returns how it reads. */
        private String refused(Op op, String unit, VarlinkException e) {
            errors.computeIfAbsent(op + " " + e.name(), k -> new LongAdder()).increment();
            var typed = ManagerError.from(e);
            if (typed.isEmpty() || typed.get() instanceof ManagerError.InternalError) {
                problems.add("client %d: %s %s: %s error %s".formatted(index, op, unit, typed.isEmpty() ? "untyped" : "internal", e.error()));
            }
            return "error " + e.error();
        }

        /** No answer within the safety net, or the connection dropped: a problem; a new connection. */
        private void lost(Op op, String unit, IOException e) throws IOException {
            errors.computeIfAbsent(op + " (no answer)", k -> new LongAdder()).increment();
            problems.add("client %d: %s %s: no answer: %s".formatted(index, op, unit, e));
            threadDump();
            c.close();
            c = client();
        }
    }

    /** Reads the slice's counters while the storm goes on: they never go back, whatever joins or leaves. */
    private final class Observer implements Runnable {
        private final AtomicBoolean quiet;
        final LongAdder reads = new LongAdder();
        final Queue<String> problems = new ConcurrentLinkedQueue<>();

        Observer(AtomicBoolean quiet) {
            this.quiet = quiet;
        }

        @Override
        public void run() {
            Counters last = Counters.ZERO;
            try (ManagerClient c = client()) {
                while (!quiet.get()) {
                    List<CounterSample> s = c.getCounters(List.of(slice));
                    reads.increment();
                    Counters now = s.size() == 1 ? s.getFirst().counters() : null;
                    if (now == null) {
                        problems.add("GetCounters of " + slice + " answered " + s);
                    } else {
                        if (now.egressPackets() < last.egressPackets() || now.egressBytes() < last.egressBytes()) {
                            problems.add("the slice's counters went back from " + last + " to " + now);
                        }
                        last = now;
                    }
                    Thread.sleep(50); // a reader's pace, not a wait for anything
                }
            } catch (Exception e) {
                problems.add("counter reader: " + e);
            }
        }
    }

    // ---- after the storm --------------------------------------------------------------------

    /**
     * Each unit's state against the requests on it; active units have their main process alive
     * in their cgroup, inactive ones no cgroup; the unwaited transient units ended by themselves.
     */
    private void checkStates(ManagerClient c, SoftAssertions soft, Set<Long> mainPids) throws Exception {
        List<UnitInfo> infos = c.getUnits(units.stream().map(StressUnit::name).toList());
        int exact = 0;
        int among = 0;
        Map<String, Integer> finalStates = new TreeMap<>();
        for (int i = 0; i < units.size(); i++) {
            StressUnit u = units.get(i);
            UnitInfo info = infos.get(i);
            Outcome now = new Outcome(info.activeState(), info.subState());
            finalStates.merge(now.toString(), 1, Integer::sum);
            List<Request> reqs = new ArrayList<>(log.get(u.name()));
            Set<Outcome> possible = possibleOutcomes(reqs);
            if (possible == null) {
                // A request whose effect is unknown (refused, or unanswered: already a problem): a settled state at least.
                soft.assertThat(now.state()).as("%s after %s", u.name(), reqs.stream().map(Request::answer).toList())
                        .isIn(ActiveState.ACTIVE, ActiveState.INACTIVE, ActiveState.FAILED);
            } else {
                if (possible.size() == 1) exact++;
                else among++;
                soft.assertThat(possible).as("%s is %s; the requests that may have taken effect last: %s", u.name(), now,
                        reqs.isEmpty() ? "none" : lastRequests(reqs)).contains(now);
            }
            Path cgroup = daemon.unitCgroup(u.kind() == Kind.PLAIN ? "system.slice" : slice, u.name());
            if (info.activeState() == ActiveState.ACTIVE && u.kind() != Kind.ONESHOT) {
                soft.assertThat(info.mainPID()).as("%s main PID", u.name()).isNotNull();
                if (info.mainPID() != null) {
                    mainPids.add((long) info.mainPID());
                    soft.assertThat(Procs.alive(info.mainPID())).as("%s main process %d alive", u.name(), info.mainPID()).isTrue();
                    Path procs = cgroup.resolve("cgroup.procs");
                    soft.assertThat(Files.exists(procs) ? Files.readAllLines(procs) : List.of("(no cgroup " + cgroup + ")"))
                            .as("%s cgroup's processes", u.name()).containsExactly(String.valueOf(info.mainPID()));
                }
            } else if (info.activeState() != ActiveState.ACTIVE) {
                soft.assertThat(cgroup).as("%s (%s) cgroup", u.name(), now).doesNotExist();
            }
        }
        System.out.printf("  final states %s: %d units with one possible state, %d with several, %d shared%n", finalStates, exact, among,
                UNITS - FIRST_SHARED);
        // The service cgroups left under the root are the active units', no transient's or stopped unit's.
        Set<String> cgroups = new TreeSet<>();
        try (Stream<Path> s = Files.walk(daemon.cgroupRoot)) {
            s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".service")).forEach(cgroups::add);
        }
        Set<String> active = new TreeSet<>();
        for (UnitInfo info : infos) if (info.activeState() == ActiveState.ACTIVE) active.add(info.name());
        soft.assertThat(cgroups).as("service cgroups under the root").isEqualTo(active);
        for (String name : unwaited) {
            Await.until(name + " (run without wait) to end", () -> {
                UnitInfo u = c.getUnit(name);
                return u.activeState() != ActiveState.ACTIVE && u.activeState() != ActiveState.ACTIVATING
                        && u.activeState() != ActiveState.DEACTIVATING;
            });
            UnitInfo u = c.getUnit(name);
            soft.assertThat(new Outcome(u.activeState(), u.subState())).as("%s (run without wait) at its end", name).isEqualTo(Outcome.INACTIVE);
        }
    }

    /**
     * The states the unit may be in: those implied by the last request answered and by every
     * request answered after that one was sent (each may have taken effect after it); null if
     * one of those implies nothing known. No request: the unit never started.
     */
    static Set<Outcome> possibleOutcomes(List<Request> reqs) {
        if (reqs.isEmpty()) return Set.of(Outcome.INACTIVE);
        Set<Outcome> out = new LinkedHashSet<>();
        for (Request r : lastRequests(reqs)) {
            if (r.outcome() == null) return null;
            out.add(r.outcome());
        }
        return out;
    }

    private static List<Request> lastRequests(List<Request> reqs) {
        Request last = reqs.stream().max(Comparator.comparingLong(Request::answered)).orElseThrow();
        return reqs.stream().filter(r -> r.answered() >= last.sent()).sorted(Comparator.comparingLong(Request::answered)).toList();
    }

    /**
     * Tells the traffic units to stop sending; then each running one's counters must be what its
     * process sent and had refused, and the slice's what the receiver got.
     */
    private void checkTraffic(ManagerClient c, SoftAssertions soft, Loopback.Receiver allowed, Loopback.Receiver denied,
                              Set<Long> mainPids) throws Exception {
        Files.writeString(stopFile, "");
        List<UnitInfo> infos = c.getUnits(units.stream().map(StressUnit::name).toList());
        List<String> checked = new ArrayList<>();
        long[] sum = new long[2];
        for (int i = 0; i < units.size(); i++) {
            StressUnit u = units.get(i);
            if (u.kind() != Kind.TRAFFIC || infos.get(i).activeState() != ActiveState.ACTIVE) continue;
            Path done = doneFile(u);
            Await.until(u.name() + " to report what it sent", () -> Files.exists(done));
            long[] d = Arrays.stream(Files.readString(done).trim().split(" ")).mapToLong(Long::parseLong).toArray();
            long pid = d[0];
            long sent = d[1];
            long refused = d[2];
            mainPids.add(pid);
            soft.assertThat(Long.valueOf(pid)).as("%s: the reporting process is its main process", u.name())
                    .isEqualTo(infos.get(i).mainPID() == null ? null : Long.valueOf(infos.get(i).mainPID()));
            soft.assertThat(d[3]).as("%s: sends to 127.0.0.2 the kernel accepted", u.name()).isZero();
            soft.assertThat(d[4]).as("%s: sends that failed otherwise", u.name()).isZero();
            Counters expected = new Counters(0, 0, Loopback.ipBytes(sent, u.payload()), sent, 0, 0, Loopback.ipBytes(refused, 1), refused);
            Counters api = c.getCounters(List.of(u.name())).getFirst().counters();
            soft.assertThat(api).as("%s: GetCounters after %d sent and %d refused", u.name(), sent, refused).isEqualTo(expected);
            var pinned = daemon.pinnedCounters(u.name(), false).orElseThrow();
            soft.assertThat(new Counters(pinned.ingressBytes(), pinned.ingressPackets(), pinned.egressBytes(), pinned.egressPackets(),
                    pinned.ingressDroppedBytes(), pinned.ingressDroppedPackets(), pinned.egressDroppedBytes(), pinned.egressDroppedPackets()))
                    .as("%s: its pinned counters", u.name()).isEqualTo(expected);
            checked.add(u.name());
            sum[0] += sent;
            sum[1] += refused;
        }
        // Every member has stopped sending (the unwaited runs ended: checkStates): the slice's count is final.
        Counters sliceCounters = c.getCounters(List.of(slice)).getFirst().counters();
        long packets = sliceCounters.egressPackets();
        Await.until("the receiver to get the " + packets + " datagrams the slice counted (has " + allowed.count.get() + ")",
                () -> allowed.count.get() >= packets);
        System.out.printf("  traffic: %d running traffic units checked (%d datagrams sent, %d refused since their last start); "
                        + "slice %s; receiver %d datagrams, %d payload bytes; denied receiver %d%n", checked.size(), sum[0], sum[1],
                sliceCounters, allowed.count.get(), allowed.payloadBytes.get(), denied.count.get());
        soft.assertThat(checked).as("running traffic units checked").isNotEmpty();
        soft.assertThat(allowed.count.get()).as("datagrams at the receiver = the slice's egress packets").isEqualTo(packets);
        soft.assertThat(sliceCounters).as("the slice's counters: every datagram its members sent, headers included")
                .isEqualTo(new Counters(0, 0, allowed.payloadBytes.get() + 28 * allowed.count.get(), allowed.count.get(), 0, 0, 0, 0));
        soft.assertThat(denied.count.get()).as("datagrams that reached the denied address 127.0.0.2").isZero();
    }

    /**
     * A running firewalled unit's trie holds the lists GetUnit shows; after one more reload with
     * every client quiet, each firewalled unit's allow list is the one last written, in GetUnit
     * and, for a running unit, in the kernel.
     */
    private void checkAddressLists(ManagerClient c, SoftAssertions soft) throws Exception {
        List<StressUnit> firewalled = units.stream().filter(u -> u.kind().firewalled()).toList();
        // Before it: what GetUnit says a running unit's lists are (the files as the storm's last
        // reload read them) is what its trie holds, whatever start that reload met.
        List<UnitInfo> beforeReload = c.getUnits(firewalled.stream().map(StressUnit::name).toList());
        for (UnitInfo info : beforeReload) {
            if (info.activeState() != ActiveState.ACTIVE) continue;
            List<String> both = new ArrayList<>(info.ipAddressAllow());
            both.addAll(info.ipAddressDeny());
            soft.assertThat(AddressLists.triePrefixes(daemon.bpffs, info.name()))
                    .as("%s: prefixes in its pinned trie = its lists in GetUnit, before the last reload", info.name())
                    .isEqualTo(AddressLists.canonical(both));
        }
        soft.assertThat(c.reload()).as("diagnostics of the last reload").isEmpty();
        List<UnitInfo> infos = c.getUnits(firewalled.stream().map(StressUnit::name).toList());
        int inKernel = 0;
        for (int i = 0; i < firewalled.size(); i++) {
            String name = firewalled.get(i).name();
            String allow = "127.0.0.1 " + extraAllow.get(name);
            soft.assertThat(AddressLists.canonical(infos.get(i).ipAddressAllow())).as("%s allow list", name)
                    .isEqualTo(AddressLists.canonical(AddressLists.expanded(allow)));
            if (infos.get(i).activeState() == ActiveState.ACTIVE) {
                inKernel++;
                soft.assertThat(AddressLists.triePrefixes(daemon.bpffs, name)).as("%s: prefixes in its pinned trie", name)
                        .isEqualTo(AddressLists.canonical(AddressLists.expanded(allow + " any")));
            }
        }
        System.out.printf("  address lists: %d firewalled units, %d running ones' tries read%n", firewalled.size(), inKernel);
    }

    // ---- set-up and counting ----------------------------------------------------------------

    /**
     * What the daemon makes once (thread pools, the slice's cgroup and counters, JIT-compiled
     * code, 16 connections' worth of server state) is made before the count the storm is
     * compared with: each kind of unit started and stopped, a transient run, a reload.
     */
    private void warmUp() throws Exception {
        List<Thread> ts = new ArrayList<>();
        Queue<String> failed = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < CLIENTS; i++) {
            final int n = i;
            ts.add(Thread.ofPlatform().start(() -> {
                try (ManagerClient c = client()) {
                    c.getInfo();
                    if (n < 3) {
                        StressUnit u = units.get(n + 2); // one of each kind but traffic (its sends would make the counts move)
                        c.startUnit(u.name());
                        c.stopUnit(u.name());
                    }
                    if (n == 3) c.reload();
                    if (n == 4) {
                        c.runTransient(new RunTransientRequest(prefix + "-warm-up.service", slice, null,
                                List.of(new Property("IPAccounting", "yes")), List.of("/bin/true"), true));
                    }
                } catch (Exception e) {
                    failed.add(e.toString());
                }
            }));
        }
        for (Thread t : ts) t.join();
        assertThat(List.copyOf(failed)).as("warm-up").isEmpty();
    }

    /**
     * Counts once things have settled (see StartStopLeakTest.settled): without {@code before},
     * the first count in which only the slice's counters map is left and that equals the one
     * before it; with it, the first that has the same objects and fds as {@code before} and
     * threads within the tolerance, or the last one (which then fails) after the safety net.
     */
    private DaemonFootprint settled(DaemonFootprint before) throws Exception {
        long t0 = System.nanoTime();
        long deadline = t0 + Await.SAFETY_NET.toNanos();
        DaemonFootprint last = null;
        while (true) {
            sharedMaps.addAll(BpfCensus.sharedMaps(daemon.bpffs));
            DaemonFootprint now = DaemonFootprint.take(daemon, mapPrefixes());
            boolean done;
            if (before == null) {
                boolean only = now.bpf().maps().size() == 1 && now.bpf().programs().isEmpty() && now.bpf().links().isEmpty();
                done = only && last != null && now.sameObjects(last);
            } else {
                done = now.sameObjects(before) && now.threads() <= before.threads() + THREAD_TOLERANCE;
            }
            if (done || System.nanoTime() > deadline) {
                System.out.printf("  (settled after %.1f s)%n", (System.nanoTime() - t0) / 1e9);
                return now;
            }
            last = now;
            Thread.sleep(100);
        }
    }

    /** The names of our maps: per unit (tgc_, tgp_ + the unit's name, cut to 15 characters) and the slice's (tgs_). */
    private List<String> mapPrefixes() {
        return List.of("tgc_" + prefix, "tgp_" + prefix, "tgs_y" + daemon.id);
    }

    /** The daemon's cgroup storage maps, noted while it runs: its shared programs are found through them, also after it exits. */
    private final Set<Integer> sharedMaps = new java.util.TreeSet<>();

    private BpfCensus census() {
        sharedMaps.addAll(BpfCensus.sharedMaps(daemon.bpffs));
        return BpfCensus.take(mapPrefixes(), sharedMaps);
    }

    private String requestCounts() {
        StringBuilder b = new StringBuilder();
        requests.forEach((op, n) -> b.append(b.isEmpty() ? "" : ", ").append(op.name().toLowerCase()).append(' ').append(n.sum()));
        return b.toString();
    }

    private String errorCounts() {
        Map<String, Long> out = new TreeMap<>();
        errors.forEach((k, v) -> out.put(k, v.sum()));
        return out.toString();
    }

    private final AtomicBoolean dumped = new AtomicBoolean();

    /** The daemon's threads, once, when a request went unanswered: where it hangs. */
    private void threadDump() {
        if (!dumped.compareAndSet(false, true)) return;
        try {
            Path jcmd = Path.of(ProcessHandle.current().info().command().orElseThrow()).resolveSibling("jcmd");
            // Thread.dump_to_file, unlike Thread.print, shows the virtual threads that serve requests.
            Path file = daemon.work.resolve("threads.txt");
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(daemon.pid()), "Thread.dump_to_file", file.toString())
                    .redirectErrorStream(true).start();
            String out = TollgatedProcess.readAll(p);
            p.waitFor(60, TimeUnit.SECONDS);
            System.out.printf("RequestStormTest: a request went unanswered; tollgated's threads:%n%s%n",
                    Files.exists(file) ? Files.readString(file) : out);
        } catch (Exception e) {
            System.out.println("RequestStormTest: no thread dump of tollgated: " + e);
        }
    }

    private ManagerClient client() throws IOException {
        return ManagerClient.connect(daemon.socket, VarlinkClient.Options.defaults().withTimeout(Await.SAFETY_NET));
    }

    private Path doneFile(StressUnit u) {
        return daemon.work.resolve(u.name() + ".done");
    }

    /** Writes a unit's file atomically (a reload never reads half of it), with {@code extra} in a firewall's allow list. */
    private void writeUnit(StressUnit u, String extra) throws IOException {
        String text = switch (u.kind()) {
            case TRAFFIC -> """
                    [Service]
                    Slice=%s
                    IPAccounting=yes
                    IPAddressDeny=any
                    IPAddressAllow=127.0.0.1 %s
                    ExecStart=%s
                    """.formatted(slice, extra, TollgatedProcess.python(sender(u)));
            case FIREWALLED -> """
                    [Service]
                    Slice=%s
                    IPAccounting=yes
                    IPAddressDeny=any
                    IPAddressAllow=127.0.0.1 %s
                    ExecStart=/bin/sleep 3600
                    """.formatted(slice, extra);
            case PLAIN -> """
                    [Service]
                    ExecStart=/bin/sleep 3600
                    """;
            case ONESHOT -> """
                    [Service]
                    Type=oneshot
                    RemainAfterExit=yes
                    Slice=%s
                    IPAccounting=yes
                    ExecStart=/bin/true
                    """.formatted(slice);
        };
        // One writer at a time per unit, so that the file and what is recorded of it agree.
        synchronized (u) {
            Path tmp = daemon.work.resolve(u.name() + ".tmp");
            Files.writeString(tmp, text);
            Files.move(tmp, daemon.units.resolve(u.name()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            if (u.kind().firewalled()) extraAllow.put(u.name(), extra);
        }
    }

    /**
     * A traffic unit's command: every 20 ms a datagram to the receiver and one to the denied
     * address (refused by the firewall), until the stop file appears; then it writes its pid
     * and counts (sent, refused, leaked, failed) and stays.
     */
    private String sender(StressUnit u) {
        Path done = doneFile(u);
        return """
                import os,socket,time
                s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
                sent=refused=leaked=failed=0
                while not os.path.exists('%s'):
                    try:
                        s.sendto(b'x'*%d,('127.0.0.1',%d)); sent+=1
                    except OSError: failed+=1
                    try:
                        s.sendto(b'y',('127.0.0.2',%d)); leaked+=1
                    except PermissionError: refused+=1
                    except OSError: failed+=1
                    time.sleep(0.02)
                open('%s.tmp','w').write(f'{os.getpid()} {sent} {refused} {leaked} {failed}')
                os.rename('%s.tmp','%s')
                time.sleep(3600)
                """.formatted(stopFile, u.payload(), allowedPort, deniedPort, done, done, done);
    }
}
