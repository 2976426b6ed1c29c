package dev.tollgate.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.tollgate.bpf.AttachFlags;
import dev.tollgate.bpf.AttachType;
import dev.tollgate.bpf.BpfProgram;
import dev.tollgate.bpf.CgroupHandle;
import dev.tollgate.bpf.CgroupPrograms;
import dev.tollgate.bpf.ObjectIds;
import dev.tollgate.bpf.Pins;
import dev.tollgate.bpf.ProgramSpec;
import dev.tollgate.bpf.ProgramType;
import dev.tollgate.bpf.asm.Assembler;
import dev.tollgate.bpf.asm.Register;
import dev.tollgate.bpf.link.AttachMechanism;
import dev.tollgate.testkit.Await;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.testkit.ScratchCgroup;
import dev.tollgate.testkit.UdpFlow;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The accounting module on real cgroups with real loopback traffic, in every attach mode; the
 * counting and adoption tests also with per-unit programs (the fallback for kernels without
 * shared cgroup storage), forced.
 */
@Privileged(commands = "bpftool")
class AccountingTrafficTest {
    private static final String SLICE = "web.slice";
    private ScratchCgroup scratch;
    private Path bpffs;
    private Accounting acc;
    private final List<AutoCloseable> open = new ArrayList<>();
    private final Set<Integer> ourPrograms = new HashSet<>();

    private Accounting.ProgramSharing sharing = Accounting.ProgramSharing.probe();

    private void setUp(AttachMechanism mode) {
        scratch = ScratchCgroup.create("acct");
        bpffs = Pins.DEFAULT_BPFFS.resolve("tollgate-test-" + UUID.randomUUID().toString().substring(0, 8));
        acc = new Accounting(bpffs, mode, sharing);
    }

    private void setUp(AttachMechanism mode, Accounting.ProgramSharing sharing) {
        this.sharing = sharing;
        setUp(mode);
    }

    /** Every attach mode with shared programs (where the kernel has them) and with per-unit ones. */
    static List<Arguments> modesAndSharing() {
        List<Arguments> all = new ArrayList<>();
        for (AttachMechanism m : AttachMechanism.values()) {
            if (Accounting.ProgramSharing.probe() == Accounting.ProgramSharing.SHARED) all.add(Arguments.of(m, Accounting.ProgramSharing.SHARED));
            all.add(Arguments.of(m, Accounting.ProgramSharing.PER_UNIT));
        }
        return all;
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : open.reversed()) c.close();
        if (acc != null) acc.removeAll();
        if (scratch != null) scratch.close();
        if (bpffs != null) Pins.removeTree(bpffs);
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    private Path unitCgroup(String unit) {
        return scratch.child(SLICE + "/" + unit);
    }

    private UnitPolicy policy(String unit, boolean accounting, List<String> allow, List<String> deny) {
        return new UnitPolicy(unit, unitCgroup(unit), accounting, Prefixes.rules(allow, deny), List.of(SLICE),
                null, List.of(), false);
    }

    private UnitDatapath start(UnitPolicy p) {
        UnitDatapath d = acc.start(p);
        ourPrograms.addAll(d.programIds().values());
        return d;
    }

    private UdpFlow flowIn(String unit, String loopback) throws Exception {
        return keep(ScratchCgroup.inside(unitCgroup(unit), () -> UdpFlow.open(loopback)));
    }

    private static void exchange(UdpFlow f, int n, int payload) throws IOException {
        for (int i = 0; i < n; i++) assertThat(f.send(payload)).isTrue();
        assertThat(f.receive(n)).isEqualTo(n);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modesAndSharing")
    void exactCountsForUnitsAndTheirSlice(AttachMechanism mode, Accounting.ProgramSharing sharing) throws Exception {
        setUp(mode, sharing);
        UnitDatapath server = start(policy("web-server.service", true, List.of(), List.of()));
        UnitDatapath client = start(policy("web-client.service", false, List.of(), List.of()));
        exchange(flowIn("web-server.service", "127.0.0.1"), 10, 100);
        exchange(flowIn("web-client.service", "127.0.0.1"), 5, 100);
        assertThat(server.counters()).isEqualTo(new CounterSums(10, 1280, 10, 1280, 0, 0, 0, 0));
        // The slice counts its members' traffic, including the member without accounting of its own.
        assertThat(acc.sliceCounters(SLICE)).contains(new CounterSums(15, 1920, 15, 1920, 0, 0, 0, 0));
        // All counters at once sum the slice from the members' counters read for the units.
        assertThat(acc.allCounters()).containsEntry(SLICE, new CounterSums(15, 1920, 15, 1920, 0, 0, 0, 0))
                .containsEntry("web-server.service", server.counters());

        exchange(flowIn("web-server.service", "::1"), 10, 100);
        assertThat(server.counters()).isEqualTo(new CounterSums(20, 1280 + 1480, 20, 1280 + 1480, 0, 0, 0, 0));

        exchange(flowIn("web-server.service", "127.0.0.1"), 2, 65000);
        assertThat(server.counters().egressPackets()).isEqualTo(22);
        assertThat(server.counters().egressBytes()).isEqualTo(2760 + 130056);
        assertThat(server.counters().ingressBytes()).isEqualTo(2760 + 130056);
        assertThat(client.counters().egressPackets()).isEqualTo(5);
    }

    @ParameterizedTest
    @EnumSource(AttachMechanism.class)
    void unitsOfOneShapeShareOneProgramPerDirectionAndCountApart(AttachMechanism mode) throws Exception {
        assumeThat(Accounting.ProgramSharing.probe()).as("shared cgroup storage (Linux 5.9+)").isEqualTo(Accounting.ProgramSharing.SHARED);
        setUp(mode, Accounting.ProgramSharing.SHARED);
        List<String> deny = List.of("127.0.0.2", "10.0.0.0/8");
        List<UnitDatapath> same = new ArrayList<>();
        for (int i = 0; i < 3; i++) same.add(start(policy("same" + i + ".service", true, List.of(), deny)));
        UnitDatapath other = start(policy("other.service", true, List.of(), List.of("127.0.0.3")));
        for (UnitDatapath d : same) {
            assertThat(d.sharesPrograms()).isTrue();
            assertThat(d.programIds()).as(d.unit()).isEqualTo(same.getFirst().programIds());
        }
        assertThat(other.programIds().get("egress")).isNotEqualTo(same.getFirst().programIds().get("egress"));
        assertThat(acc.sharedProgramUsers()).hasSize(4).containsValues(3, 1);
        try (var l = Files.list(acc.pins().programs())) {
            assertThat(l.count()).as("pinned shared programs").isEqualTo(4);
        }
        // One program, each unit's own counters and drops (its cgroup's storage).
        for (int i = 0; i < 3; i++) {
            UdpFlow f = flowIn("same" + i + ".service", "127.0.0.1");
            exchange(f, i + 1, 10);
            assertThat(f.sendTo(new InetSocketAddress("127.0.0.2", 9), i + 2, 10)).isZero();
        }
        for (int i = 0; i < 3; i++) {
            assertThat(same.get(i).counters()).as("same%d", i)
                    .isEqualTo(new CounterSums(i + 1, (i + 1) * 38L, i + 1, (i + 1) * 38L, 0, 0, i + 2, (i + 2) * 38L));
        }
        assertThat(other.counters()).isEqualTo(CounterSums.ZERO);
        assertThat(acc.sliceCounters(SLICE)).contains(new CounterSums(6, 6 * 38, 6, 6 * 38, 0, 0, 0, 0));
        // A policy change moves a unit to the other shape's program; its counters carry on.
        acc.update(policy("same0.service", true, List.of(), List.of("127.0.0.3")));
        assertThat(same.getFirst().programIds()).isEqualTo(other.programIds());
        assertThat(same.getFirst().counters().egressPackets()).isEqualTo(1);
        assertThat(acc.sharedProgramUsers()).containsValues(2, 2);
        acc.stop("same1.service");
        acc.stop("same2.service");
        assertThat(acc.sharedProgramUsers()).as("the first shape's programs let go").hasSize(2);
        try (var l = Files.list(acc.pins().programs())) {
            assertThat(l.count()).isEqualTo(2);
        }
        assertThat(acc.sliceCounters(SLICE)).as("stopped members folded").contains(new CounterSums(6, 6 * 38, 6, 6 * 38, 0, 0, 0, 0));
        acc.stop("same0.service");
        acc.stop("other.service");
        assertThat(acc.sharedProgramUsers()).isEmpty();
        try (var l = Files.list(acc.pins().programs())) {
            assertThat(l.count()).isZero();
        }
        Await.until("our programs to be freed", () -> ourPrograms.stream().noneMatch(ObjectIds.programs()::contains));
    }

    @org.junit.jupiter.api.Test
    void aKillBetweenAStorageMembersFoldAndItsRemovalCountsItOnce() throws Exception {
        assumeThat(Accounting.ProgramSharing.probe()).as("shared cgroup storage (Linux 5.9+)").isEqualTo(Accounting.ProgramSharing.SHARED);
        setUp(AttachMechanism.LINK, Accounting.ProgramSharing.SHARED);
        String unit = "member.service";
        start(policy(unit, true, List.of(), List.of()));
        exchange(flowIn(unit, "127.0.0.1"), 3, 10);
        Path members = acc.pins().slice(SLICE).resolve(SliceCounters.MEMBERS);
        Path member;
        try (var l = Files.list(members)) {
            member = l.findFirst().orElseThrow();
        }
        assertThat(member.getFileName().toString()).as("a member in cgroup storage").startsWith("c");
        CounterSums three = new CounterSums(3, 3 * 38, 3, 3 * 38, 0, 0, 0, 0);
        acc.stop(unit);
        assertThat(acc.sliceCounters(SLICE)).contains(three);
        // The state a kill after the fold and before the removal leaves: the member is back,
        // and its cgroup (so its storage entry, with the 3 packets) is still there.
        Files.createDirectory(member);
        assertThat(SliceCounters.readPinned(acc.pins().slice(SLICE))).as("read from pins").contains(three);
        acc.close();
        acc = new Accounting(bpffs, AttachMechanism.LINK, Accounting.ProgramSharing.SHARED);
        acc.retainSlices(Set.of(SLICE));
        assertThat(acc.sliceCounters(SLICE)).as("after a restart").contains(three);
        assertThat(member).as("the folded member is let go").doesNotExist();
        // The unit joins again from zero and counts on.
        start(policy(unit, true, List.of(), List.of()));
        exchange(flowIn(unit, "127.0.0.1"), 1, 10);
        assertThat(acc.sliceCounters(SLICE)).contains(new CounterSums(4, 4 * 38, 4, 4 * 38, 0, 0, 0, 0));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modesAndSharing")
    void aUnitStartedAgainInItsSurvivingCgroupCountsFromZero(AttachMechanism mode, Accounting.ProgramSharing sharing) throws Exception {
        setUp(mode, sharing);
        String unit = "again.service";
        UnitDatapath d = start(policy(unit, true, List.of(), List.of("127.0.0.2")));
        UdpFlow f = flowIn(unit, "127.0.0.1");
        exchange(f, 3, 10);
        assertThat(f.sendTo(new InetSocketAddress("127.0.0.2", 9), 2, 10)).isZero();
        int unitId = d.eventUnitId();
        acc.stop(unit);
        // The cgroup stays (its storage entries with it, in shared form): the next start resets them.
        UnitDatapath again = start(policy(unit, true, List.of(), List.of("127.0.0.2")));
        assertThat(again.counters()).isEqualTo(CounterSums.ZERO);
        assertThat(again.dropEventCounters()).isEqualTo(DropEventCounters.ZERO);
        if (sharing == Accounting.ProgramSharing.SHARED) assertThat(again.eventUnitId()).isEqualTo(unitId);
        exchange(f, 1, 10);
        assertThat(again.counters()).isEqualTo(new CounterSums(1, 38, 1, 38, 0, 0, 0, 0));
        assertThat(acc.sliceCounters(SLICE)).as("the first run folded, the second counted")
                .contains(new CounterSums(4, 4 * 38, 4, 4 * 38, 0, 0, 0, 0));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modesAndSharing")
    void deniedTrafficFailsAndIsCountedAsDropped(AttachMechanism mode, Accounting.ProgramSharing sharing) throws Exception {
        setUp(mode, sharing);
        UnitDatapath d = start(policy("sandbox.service", true, List.of("127.0.0.1/32"), List.of("any", "::/0")
                .stream().map(s -> s.equals("any") ? "0.0.0.0/0" : s).toList()));
        UdpFlow v4 = flowIn("sandbox.service", "127.0.0.1");
        exchange(v4, 3, 100);
        // sendto a denied address: EPERM, nothing counted as traffic, counted as dropped.
        assertThat(v4.sendTo(new InetSocketAddress("127.0.0.2", 9), 4, 100)).isZero();
        CounterSums c = d.counters();
        assertThat(c.egressPackets()).isEqualTo(3);
        assertThat(c.egressDroppedPackets()).isEqualTo(4);
        assertThat(c.egressDroppedBytes()).isEqualTo(4 * 128);
        UdpFlow v6 = flowIn("sandbox.service", "::1");
        assertThat(v6.send(10)).isFalse();
        assertThat(d.counters().egressDroppedPackets()).isEqualTo(5);

        // A TCP connect to a denied address does not connect: the SYN is dropped.
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.2", 0))) {
            SocketChannel s = keep(ScratchCgroup.inside(unitCgroup("sandbox.service"), SocketChannel::open));
            s.configureBlocking(false);
            // The SYN goes out (and is dropped, and counted) inside connect(2); a retransmission
            // would be dropped too. So the connection is pending and the listener has nobody.
            s.connect(listener.getLocalAddress());
            Await.until("the SYN counted as dropped", () -> d.counters().egressDroppedPackets() >= 6);
            assertThat(s.finishConnect()).isFalse();
            listener.configureBlocking(false);
            assertThat(listener.accept()).isNull();
        }
        assertThat(d.counters().egressPackets()).isEqualTo(3);
        assertThat(d.counters().egressDroppedPackets()).isGreaterThanOrEqualTo(6);
    }

    @ParameterizedTest
    @EnumSource(AttachMechanism.class)
    void delegationAddsProgramsBelowButCannotBypassOurs(AttachMechanism mode) throws Exception {
        setUp(mode);
        UnitPolicy p = new UnitPolicy("delegated.service", unitCgroup("delegated.service"), true,
                Prefixes.rules(List.of(), List.of("127.0.0.2")), List.of(), null, List.of(), true);
        if (mode == AttachMechanism.SINGLE) {
            assertThatThrownBy(() -> acc.start(p)).isInstanceOf(PolicyRefused.class)
                    .hasMessageContaining("Delegate=yes is unavailable in attach mode single")
                    .hasMessageContaining("BPF_F_ALLOW_MULTI (Linux 4.15+) or cgroup bpf_link (Linux 5.7+)");
            assertThat(Files.exists(acc.pins().unit("delegated.service"))).isFalse();
            return;
        }
        UnitDatapath d = start(p);
        // The delegatee attaches its own pass-everything program in its subtree.
        Path sub = scratch.child(SLICE + "/delegated.service/payload");
        BpfProgram theirs = keep(BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SKB, "delegatee_pass", null,
                new Assembler().mov(Register.R0, 1).exit().assemble(), Map.of())));
        try (CgroupHandle cg = CgroupHandle.open(sub)) {
            CgroupPrograms.attach(cg, theirs, AttachType.CGROUP_INET_EGRESS, AttachFlags.ALLOW_MULTI);
            assertThat(CgroupPrograms.query(cg, AttachType.CGROUP_INET_EGRESS, true).programIds())
                    .contains(theirs.id(), d.programIds().get("egress"));
        }
        UdpFlow f = keep(ScratchCgroup.inside(sub, () -> UdpFlow.open("127.0.0.1")));
        assertThat(f.sendTo(new InetSocketAddress("127.0.0.2", 9), 3, 10)).isZero();
        exchange(f, 2, 10);
        assertThat(d.counters().egressDroppedPackets()).isEqualTo(3);
        assertThat(d.counters().egressPackets()).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(AttachMechanism.class)
    void atomicPolicySwapsUnderAFloodNeverLetADeniedPacketThrough(AttachMechanism mode) throws Exception {
        setUp(mode);
        String unit = "flood.service";
        UnitPolicy a = policy(unit, true, List.of(), List.of("127.0.0.2", "127.0.0.3"));
        UnitPolicy b = policy(unit, true, List.of(), List.of("127.0.0.2", "127.0.0.4"));
        UnitDatapath d = start(a);
        // The receiver on the denied side lives outside the unit: it counts what gets through.
        DatagramChannel denied = keep(DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress("127.0.0.2", 0)));
        denied.configureBlocking(false);
        UdpFlow flow = flowIn(unit, "127.0.0.1");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong allowed = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        Thread traffic = Thread.ofPlatform().start(() -> {
            try {
                while (!stop.get()) {
                    if (flow.sendTo((InetSocketAddress) denied.getLocalAddress(), 1, 32) == 0) refused.incrementAndGet();
                    if (flow.send(32)) allowed.addAndGet(flow.receive(1));
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        // 2,000 swaps, and on until the flood has sent 100 denied datagrams among them (a busy
        // machine may run the traffic thread little while the swaps go on).
        int swaps = 0;
        long deadline = System.nanoTime() + Await.SAFETY_NET.toNanos();
        try {
            for (; swaps < 2000 || refused.get() <= 100; swaps++) {
                if (System.nanoTime() - deadline > 0 || !traffic.isAlive()) {
                    throw new AssertionError(swaps + " swaps, " + refused.get() + " refused, traffic thread alive: " + traffic.isAlive());
                }
                acc.update(swaps % 2 == 0 ? b : a);
            }
        } finally {
            stop.set(true);
            traffic.join();
        }
        ByteBuffer buf = ByteBuffer.allocate(64);
        int leaked = 0;
        while (denied.receive(buf) != null) {
            leaked++;
            buf.clear();
        }
        assertThat(leaked).as("datagrams that reached the denied address").isZero();
        CounterSums c = d.counters();
        assertThat(c.egressDroppedPackets()).isEqualTo(refused.get());
        assertThat(c.egressPackets()).isEqualTo(allowed.get());
        assertThat(c.ingressPackets()).isEqualTo(allowed.get());
    }

    /** A list longer than {@link SkbProgram#COMPILED_MAX}, so the programs look addresses up in the trie. */
    private static List<String> longList(int thirdOctet) {
        List<String> deny = new ArrayList<>();
        for (int i = 0; i <= SkbProgram.COMPILED_MAX; i++) deny.add("10." + thirdOctet + "." + i + ".0/24");
        deny.add("127.0.0.2");
        return deny;
    }

    private int pinnedTrieId(String unit) {
        try (dev.tollgate.bpf.BpfMap m = dev.tollgate.bpf.BpfMap.fromPin(new PinLayout(bpffs).unit(unit).resolve(PinLayout.POLICY))) {
            return m.id();
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modesAndSharing")
    void unitsOfOneAddressListShareOneTrieUntilTheLastLetsGo(AttachMechanism mode, Accounting.ProgramSharing sharing) throws Exception {
        setUp(mode, sharing);
        UnitDatapath a = start(policy("a.service", true, List.of(), longList(1)));
        UnitDatapath b = start(policy("b.service", true, List.of(), longList(1)));
        start(policy("c.service", true, List.of(), longList(2)));
        assertThat(a.applied().shape(Direction.EGRESS).usesTrie()).as("a trie program").isTrue();
        assertThat(pinnedTrieId("a.service")).isEqualTo(pinnedTrieId("b.service")).isNotEqualTo(pinnedTrieId("c.service"));
        assertThat(acc.policyTries()).isEqualTo(2);

        // The first unit's stop leaves the trie to the other, whose firewall still decides by it.
        acc.stop("a.service");
        assertThat(acc.policyTries()).isEqualTo(2);
        UdpFlow f = flowIn("b.service", "127.0.0.1");
        exchange(f, 2, 10);
        assertThat(f.sendTo(new InetSocketAddress("127.0.0.2", 9), 1, 10)).isZero();
        assertThat(b.counters().egressDroppedPackets()).isEqualTo(1);

        // b takes c's list: it moves to c's trie, and its old one, held by nobody, is let go.
        int before = pinnedTrieId("b.service");
        acc.update(policy("b.service", true, List.of(), longList(2)));
        ourPrograms.addAll(b.programIds().values());
        assertThat(pinnedTrieId("b.service")).isEqualTo(pinnedTrieId("c.service")).isNotEqualTo(before);
        assertThat(acc.policyTries()).isEqualTo(1);
        // Freed once the swapped-out program is (the kernel puts a program's maps after an RCU grace period).
        Await.until("the old trie freed", () -> !ObjectIds.maps().contains(before));
        assertThat(f.sendTo(new InetSocketAddress("127.0.0.2", 9), 1, 10)).isZero();
        exchange(f, 1, 10);
        assertThat(b.counters().egressDroppedPackets()).isEqualTo(2);

        acc.stop("b.service");
        acc.stop("c.service");
        assertThat(acc.policyTries()).isZero();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modesAndSharing")
    void structureChangesSwapProgramsAndKeepCounters(AttachMechanism mode, Accounting.ProgramSharing sharing) throws Exception {
        setUp(mode, sharing);
        String unit = "grow.service";
        UnitDatapath d = start(policy(unit, true, List.of(), List.of()));
        UdpFlow f = flowIn(unit, "127.0.0.1");
        exchange(f, 4, 10);
        int before = d.programIds().get("egress");
        acc.update(policy(unit, true, List.of(), List.of("127.0.0.2")));
        ourPrograms.addAll(d.programIds().values());
        assertThat(d.programIds().get("egress")).isNotEqualTo(before);
        assertThat(f.sendTo(new InetSocketAddress("127.0.0.2", 9), 1, 10)).isZero();
        exchange(f, 1, 10);
        assertThat(d.counters().egressPackets()).isEqualTo(5);
        assertThat(d.counters().egressDroppedPackets()).isEqualTo(1);
        try (CgroupHandle cg = CgroupHandle.open(unitCgroup(unit))) {
            assertThat(CgroupPrograms.query(cg, AttachType.CGROUP_INET_EGRESS, true).programIds())
                    .containsExactly(d.programIds().get("egress"));
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modesAndSharing")
    void readoptsInAFreshJvmWithCountersIntactThenLeavesNothing(AttachMechanism mode, Accounting.ProgramSharing sharing) throws Exception {
        setUp(mode, sharing);
        String unit = "adopted.service";
        UnitPolicy p = policy(unit, true, List.of(), List.of("127.0.0.2"));
        Map<String, Integer> startedWith = start(p).programIds();
        UdpFlow f = flowIn(unit, "127.0.0.1");
        exchange(f, 7, 10);
        assertThat(f.sendTo(new InetSocketAddress("127.0.0.2", 9), 2, 10)).isZero();
        acc.close();

        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                AdoptMain.class.getName(), bpffs.toString(), mode.configName(), unit, unitCgroup(unit).toString(),
                "127.0.0.2", SLICE, sharing.name()).redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as(out).isZero();
        assertThat(out).contains("counters 7 7 2 slice 7");

        // And once more in this JVM: the firewall held throughout, counting goes on.
        acc = new Accounting(bpffs, mode, sharing);
        UnitDatapath again = acc.adopt(p).orElseThrow();
        ourPrograms.addAll(again.programIds().values());
        // Shared programs are found again under programs/ and kept (no load, no swap); per-unit ones are loaded anew.
        if (sharing == Accounting.ProgramSharing.SHARED) {
            assertThat(again.programIds()).as("programs after two take-overs").isEqualTo(startedWith);
            assertThat(acc.sharedProgramUsers()).hasSize(2).containsValues(1, 1);
        }
        assertThat(f.sendTo(new InetSocketAddress("127.0.0.2", 9), 1, 10)).isZero();
        exchange(f, 1, 10);
        assertThat(again.counters()).isEqualTo(new CounterSums(8, 8 * 38, 8, 8 * 38, 0, 0, 3, 3 * 38));

        acc.removeAll();
        assertThat(bpffs).doesNotExist();
        Await.until("our programs to be freed", () -> ourPrograms.stream().noneMatch(ObjectIds.programs()::contains));
        assertThat(ObjectIds.programs()).doesNotContainAnyElementsOf(ourPrograms);
        String tree = bpftool("cgroup", "tree", scratch.path().toString());
        assertThat(tree).doesNotContain("tg_");
        // Only our own ids are checked: other tollgate instances may run on this host.
        String progs = bpftool("-j", "prog", "show");
        for (int id : ourPrograms) assertThat(progs).doesNotContain("\"id\":" + id + ",");
    }

    @ParameterizedTest
    @EnumSource(AttachMechanism.class)
    void socketBindRulesOnTheBindHooks(AttachMechanism mode) throws Exception {
        setUp(mode);
        int port;
        try (ServerSocketChannel probe = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
        assumeThat(port).isLessThan(65535);
        SocketBindRules rules = new SocketBindRules(
                List.of(new SocketBindRules.Rule(SocketBindRules.AF_ANY, SocketBindRules.PROTO_TCP, port, 1)),
                List.of(SocketBindRules.Rule.any()));
        UnitPolicy p = new UnitPolicy("bind.service", unitCgroup("bind.service"), false, List.of(), List.of(), rules, List.of(), false);
        start(p);
        Path cg = unitCgroup("bind.service");
        try (ServerSocketChannel ok = ScratchCgroup.inside(cg, ServerSocketChannel::open)) {
            ok.bind(new InetSocketAddress("127.0.0.1", port));
        }
        try (ServerSocketChannel other = ScratchCgroup.inside(cg, ServerSocketChannel::open)) {
            assertThatThrownBy(() -> other.bind(new InetSocketAddress("127.0.0.1", port + 1)))
                    .isInstanceOf(java.net.SocketException.class).hasMessageContaining("not permitted");
        }
        try (DatagramChannel udp = ScratchCgroup.inside(cg, () -> DatagramChannel.open(StandardProtocolFamily.INET))) {
            assertThatThrownBy(() -> udp.bind(new InetSocketAddress("127.0.0.1", port)))
                    .isInstanceOf(java.net.SocketException.class).hasMessageContaining("not permitted");
        }
        // Outside the unit nothing is filtered.
        try (ServerSocketChannel outside = ServerSocketChannel.open()) {
            outside.bind(new InetSocketAddress("127.0.0.1", 0));
        }
    }

    @ParameterizedTest
    @EnumSource(AttachMechanism.class)
    void foreignFilterProgramsRunBesideOursOrAreRefused(AttachMechanism mode) throws Exception {
        setUp(mode);
        Path extra = Pins.ensureDirectory(bpffs.resolve("extra"));
        try (BpfProgram drop = BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SKB, "user_drop", null,
                new Assembler().mov(Register.R0, 0).exit().assemble(), Map.of()))) {
            drop.pin(extra.resolve("drop"));
        }
        String unit = "filtered.service";
        UnitPolicy p = new UnitPolicy(unit, unitCgroup(unit), true, List.of(), List.of(), null,
                List.of(new UnitPolicy.ForeignAttachment(AttachType.CGROUP_INET_EGRESS, extra.resolve("drop"))), false);
        if (mode == AttachMechanism.SINGLE) {
            assertThatThrownBy(() -> acc.start(p)).isInstanceOf(PolicyRefused.class)
                    .hasMessageContaining("IPIngressFilterPath=, IPEgressFilterPath= and BPFProgram= are unavailable");
            return;
        }
        UnitDatapath d = start(p);
        UdpFlow f = flowIn(unit, "127.0.0.1");
        assertThat(f.send(10)).isFalse();
        // Our program ran first and counted it as passed; the user's filter then dropped it.
        assertThat(d.counters().egressPackets()).isEqualTo(1);

        UnitPolicy missing = new UnitPolicy("missing.service", unitCgroup("missing.service"), true, List.of(), List.of(), null,
                List.of(new UnitPolicy.ForeignAttachment(AttachType.CGROUP_INET_EGRESS, extra.resolve("nothing"))), false);
        assertThatThrownBy(() -> acc.start(missing)).hasMessageContaining("no BPF program is pinned at");
        assertThat(acc.pins().unit("missing.service")).doesNotExist();

        UnitPolicy wrongType = new UnitPolicy("wrong.service", unitCgroup("wrong.service"), true, List.of(), List.of(), null,
                List.of(new UnitPolicy.ForeignAttachment(AttachType.CGROUP_INET4_BIND, extra.resolve("drop"))), false);
        assertThatThrownBy(() -> acc.start(wrongType)).hasMessageContaining("holds a CGROUP_SKB program")
                .hasMessageContaining("needs CGROUP_SOCK_ADDR");
        try (CgroupHandle cg = CgroupHandle.open(unitCgroup("wrong.service"))) {
            assertThat(CgroupPrograms.query(cg, AttachType.CGROUP_INET_EGRESS, false).programIds()).isEmpty();
        }
    }

    /**
     * A changed list of foreign programs keeps the attachments it keeps and renumbers their
     * pins in the list's order: the daemon holds no descriptor on a pinned link, so a pin
     * removed and made again would have detached it.
     */
    @ParameterizedTest
    @EnumSource(value = AttachMechanism.class, names = {"LINK", "MULTI"})
    void foreignProgramsKeepTheirAttachmentsWhenTheirListChanges(AttachMechanism mode) throws Exception {
        setUp(mode);
        Path extra = Pins.ensureDirectory(bpffs.resolve("extra"));
        int a, b;
        try (BpfProgram pa = load("user_a"); BpfProgram pb = load("user_b")) {
            pa.pin(extra.resolve("a"));
            pb.pin(extra.resolve("b"));
            a = pa.id();
            b = pb.id();
        }
        String unit = "foreign.service";
        UnitDatapath d = start(foreign(unit, extra, "a", "b"));
        assertThat(foreignPins(unit, mode)).containsExactly(Map.entry("foreign_egress_1", a), Map.entry("foreign_egress_2", b));
        acc.update(foreign(unit, extra, "b"));
        assertThat(foreignPins(unit, mode)).containsExactly(Map.entry("foreign_egress_1", b));
        assertThat(attachedEgress(unit)).contains(b).doesNotContain(a);
        acc.update(foreign(unit, extra, "b", "a"));
        assertThat(foreignPins(unit, mode)).containsExactly(Map.entry("foreign_egress_1", b), Map.entry("foreign_egress_2", a));
        assertThat(attachedEgress(unit)).contains(a, b);
        acc.update(foreign(unit, extra, "a", "b"));
        assertThat(foreignPins(unit, mode)).containsExactly(Map.entry("foreign_egress_1", a), Map.entry("foreign_egress_2", b));
        assertThat(attachedEgress(unit)).containsExactlyInAnyOrder(a, b, d.programIds().get("egress"));
        acc.stop(unit);
        assertThat(attachedEgress(unit)).isEmpty();
    }

    /**
     * A unit whose programs fail after it joined its accounted slice leaves the slice again:
     * no member pin is left to keep its counters map (RequestStormTest found such maps and pins
     * left behind by starts that failed).
     */
    @ParameterizedTest
    @EnumSource(value = AttachMechanism.class, names = {"LINK", "MULTI"})
    void aUnitWhoseProgramsFailLeavesItsAccountedSlice(AttachMechanism mode) throws Exception {
        setUp(mode);
        String unit = "doomed.service";
        UnitPolicy p = new UnitPolicy(unit, unitCgroup(unit), true, List.of(), List.of("doomed.slice"), null,
                List.of(new UnitPolicy.ForeignAttachment(AttachType.CGROUP_INET_EGRESS, bpffs.resolve("no-such-program"))), false);
        assertThatThrownBy(() -> acc.start(p)).isInstanceOf(RuntimeException.class);
        List<String> left;
        try (var files = Files.walk(bpffs)) {
            left = files.filter(Files::isRegularFile).map(f -> bpffs.relativize(f).toString()).filter(f -> f.contains("/members/")).toList();
        }
        assertThat(left).as("slice member pins left by the failed start").isEmpty();
        assertThat(acc.sliceCounters("doomed.slice")).hasValueSatisfying(c -> assertThat(c).isEqualTo(CounterSums.ZERO));
        assertThat(acc.unit(unit)).isEmpty();
    }

    private static BpfProgram load(String name) {
        return BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SKB, name, null,
                new Assembler().mov(Register.R0, 1).exit().assemble(), Map.of()));
    }

    private UnitPolicy foreign(String unit, Path extra, String... pins) {
        return new UnitPolicy(unit, unitCgroup(unit), true, List.of(), List.of(), null,
                java.util.Arrays.stream(pins).map(n -> new UnitPolicy.ForeignAttachment(AttachType.CGROUP_INET_EGRESS, extra.resolve(n))).toList(),
                false);
    }

    /** The unit's foreign pins by name, each with the id of the program it keeps attached. */
    private List<Map.Entry<String, Integer>> foreignPins(String unit, AttachMechanism mode) throws IOException {
        try (var s = Files.list(acc.pins().unit(unit))) {
            List<Map.Entry<String, Integer>> out = new ArrayList<>();
            for (Path pin : s.filter(x -> x.getFileName().toString().startsWith("foreign_")).sorted().toList()) {
                int id;
                if (mode == AttachMechanism.LINK) {
                    try (dev.tollgate.bpf.BpfLink l = dev.tollgate.bpf.BpfLink.fromPin(pin)) {
                        id = l.info().programId();
                    }
                } else {
                    try (BpfProgram p = BpfProgram.fromPin(pin)) {
                        id = p.id();
                    }
                }
                out.add(Map.entry(pin.getFileName().toString(), id));
            }
            return out;
        }
    }

    private List<Integer> attachedEgress(String unit) {
        try (CgroupHandle cg = CgroupHandle.open(unitCgroup(unit))) {
            return CgroupPrograms.query(cg, AttachType.CGROUP_INET_EGRESS, false).programIds();
        }
    }

    static String bpftool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bpftool"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("bpftool %s: %s", String.join(" ", args), out).isZero();
        return out;
    }
}
