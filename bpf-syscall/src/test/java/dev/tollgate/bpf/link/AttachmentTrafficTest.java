package dev.tollgate.bpf.link;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.bpf.AttachType;
import dev.tollgate.bpf.BpfMap;
import dev.tollgate.bpf.BpfProgram;
import dev.tollgate.bpf.Bytes;
import dev.tollgate.bpf.CgroupHandle;
import dev.tollgate.bpf.CgroupPrograms;
import dev.tollgate.bpf.MapSpec;
import dev.tollgate.bpf.MapType;
import dev.tollgate.bpf.ObjectIds;
import dev.tollgate.bpf.Pins;
import dev.tollgate.bpf.ProgramSpec;
import dev.tollgate.bpf.ProgramType;
import dev.tollgate.bpf.asm.Assembler;
import dev.tollgate.bpf.asm.Helper;
import dev.tollgate.testkit.Await;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.testkit.ScratchCgroup;
import dev.tollgate.testkit.UdpFlow;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static dev.tollgate.bpf.asm.Register.R0;
import static dev.tollgate.bpf.asm.Register.R1;
import static dev.tollgate.bpf.asm.Register.R10;
import static dev.tollgate.bpf.asm.Register.R2;
import static dev.tollgate.bpf.asm.Register.R6;

/**
 * Real loopback traffic through real attachments, in each mode: exact counts, an atomic
 * replace under traffic, re-adoption from a pin, and a detach that leaves nothing behind.
 */
@Privileged(commands = "bpftool")
class AttachmentTrafficTest {
    private static final int INGRESS_SLOT = 0, EGRESS_SLOT = 1;
    private ScratchCgroup scratch;
    private Path unit;
    private Path pins;
    private BpfMap counters;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void setUp() {
        scratch = ScratchCgroup.create("traffic");
        unit = scratch.child("unit");
        pins = Pins.ensureDirectory(Pins.DEFAULT_BPFFS.resolve("tollgate-test-" + UUID.randomUUID().toString().substring(0, 8)));
        counters = keep(BpfMap.create(MapSpec.of(MapType.PERCPU_ARRAY, "tg_t_counters", 4, 16, 2)));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : open.reversed()) c.close();
        scratch.close();
        Pins.removeTree(pins);
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    /** Counts one packet and skb->len bytes into {@code slot}; the name tells programs apart. */
    private BpfProgram counting(String name, int slot) {
        return keep(BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SKB, name, null, new Assembler()
                .mov(R6, R1)
                .stw(R10, -4, slot)
                .mov(R2, R10).add(R2, -4)
                .ldMapFd(R1, "counters")
                .call(Helper.MAP_LOOKUP_ELEM)
                .jeq(R0, 0, "out")
                .ldxdw(R1, R0, 0).add(R1, 1).stxdw(R0, 0, R1)
                .ldxw(R2, R6, 0)
                .ldxdw(R1, R0, 8).add(R1, R2).stxdw(R0, 8, R1)
                .label("out")
                .mov(R0, 1)
                .exit()
                .assemble(), Map.of("counters", counters))));
    }

    private long[] read(int slot) {
        return counters.lookupSummedU64(Bytes.u32(slot)).orElseThrow();
    }

    private UdpFlow flowInsideUnit(String loopback) throws Exception {
        return keep(ScratchCgroup.inside(unit, () -> UdpFlow.open(loopback)));
    }

    @ParameterizedTest
    @EnumSource(AttachMechanism.class)
    void countsExactlyOverIpv4AndIpv6(AttachMechanism mode) throws Exception {
        try (CgroupHandle cg = CgroupHandle.open(unit)) {
            keep(Attachment.attach(mode, cg, AttachType.CGROUP_INET_INGRESS, counting("tg_t_in", INGRESS_SLOT)));
            keep(Attachment.attach(mode, cg, AttachType.CGROUP_INET_EGRESS, counting("tg_t_out", EGRESS_SLOT)));
        }
        int n = 100, size = 200;
        UdpFlow v4 = flowInsideUnit("127.0.0.1");
        for (int i = 0; i < n; i++) assertThat(v4.send(size)).isTrue();
        assertThat(v4.receive(n)).isEqualTo(n);
        // Sender and receiver are both in the unit: each datagram counts once each way.
        assertThat(read(EGRESS_SLOT)).containsExactly(n, (long) n * (size + 28));
        assertThat(read(INGRESS_SLOT)).containsExactly(n, (long) n * (size + 28));

        UdpFlow v6 = flowInsideUnit("::1");
        for (int i = 0; i < n; i++) assertThat(v6.send(size)).isTrue();
        assertThat(v6.receive(n)).isEqualTo(n);
        long bytes = (long) n * (size + 28) + (long) n * (size + 48);
        assertThat(read(EGRESS_SLOT)).containsExactly(2L * n, bytes);
        assertThat(read(INGRESS_SLOT)).containsExactly(2L * n, bytes);

        // Two 65000-byte datagrams: counted before fragmentation on egress, after reassembly on ingress.
        for (int i = 0; i < 2; i++) assertThat(v4.send(65000)).isTrue();
        assertThat(v4.receive(2)).isEqualTo(2);
        assertThat(read(EGRESS_SLOT)).containsExactly(2L * n + 2, bytes + 2 * 65028);
        assertThat(read(INGRESS_SLOT)).containsExactly(2L * n + 2, bytes + 2 * 65028);
    }

    @ParameterizedTest
    @EnumSource(AttachMechanism.class)
    void atomicReplaceUnderTrafficCountsEveryPacketOnce(AttachMechanism mode) throws Exception {
        BpfProgram inA = counting("tg_t_in_a", INGRESS_SLOT);
        BpfProgram inB = counting("tg_t_in_b", INGRESS_SLOT);
        BpfProgram outA = counting("tg_t_out_a", EGRESS_SLOT);
        BpfProgram outB = counting("tg_t_out_b", EGRESS_SLOT);
        Attachment in;
        Attachment out;
        try (CgroupHandle cg = CgroupHandle.open(unit)) {
            in = keep(Attachment.attach(mode, cg, AttachType.CGROUP_INET_INGRESS, inA));
            out = keep(Attachment.attach(mode, cg, AttachType.CGROUP_INET_EGRESS, outA));
        }
        UdpFlow flow = flowInsideUnit("127.0.0.1");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong sent = new AtomicLong();
        AtomicLong received = new AtomicLong();
        Thread traffic = Thread.ofPlatform().start(() -> {
            try {
                while (!stop.get()) {
                    if (flow.send(64)) sent.incrementAndGet();
                    received.addAndGet(flow.receive(1));
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        // Swap until both sides have done enough (not for a fixed time: a busy machine runs
        // either side slowly); the deadline only turns a stuck flood into a failure.
        int swaps = 0;
        long deadline = System.nanoTime() + Await.SAFETY_NET.toNanos();
        try {
            while (swaps < 200 || sent.get() < 2000) {
                if (System.nanoTime() - deadline > 0 || !traffic.isAlive()) {
                    throw new AssertionError(swaps + " swaps, " + sent.get() + " datagrams sent, traffic thread alive: " + traffic.isAlive());
                }
                boolean toB = swaps % 2 == 0;
                in.replace(toB ? inB : inA);
                out.replace(toB ? outB : outA);
                swaps++;
            }
        } finally {
            stop.set(true);
            traffic.join();
        }
        assertThat(received.get()).isEqualTo(sent.get());
        assertThat(read(EGRESS_SLOT)[0]).isEqualTo(sent.get());
        assertThat(read(INGRESS_SLOT)[0]).isEqualTo(received.get());
        assertThat(read(EGRESS_SLOT)[1]).isEqualTo(sent.get() * (64 + 28));
        try (CgroupHandle cg = CgroupHandle.open(unit)) {
            int current = in.programId();
            assertThat(CgroupPrograms.query(cg, AttachType.CGROUP_INET_INGRESS, true).programIds())
                    .containsExactly(current);
        }
    }

    @ParameterizedTest
    @EnumSource(AttachMechanism.class)
    void reopensFromPinAndDetachesCleanly(AttachMechanism mode) throws Exception {
        BpfProgram p = counting("tg_t_pinned", EGRESS_SLOT);
        BpfProgram next = counting("tg_t_next", EGRESS_SLOT);
        int progId = p.id();
        int nextId = next.id();
        Path pin = pins.resolve("egress");
        try (CgroupHandle cg = CgroupHandle.open(unit)) {
            Attachment a = Attachment.attach(mode, cg, AttachType.CGROUP_INET_EGRESS, p);
            a.pin(pin);
            a.close();
        }
        // Our fds are closed now; the attachment lives on in the kernel (pinned or legacy).
        UdpFlow flow = flowInsideUnit("127.0.0.1");
        flow.send(10);
        assertThat(flow.receive(1)).isEqualTo(1);
        assertThat(read(EGRESS_SLOT)).containsExactly(1, 38);

        try (CgroupHandle cg = CgroupHandle.open(unit);
             Attachment again = Attachment.open(mode, cg, AttachType.CGROUP_INET_EGRESS, pin)) {
            assertThat(again.programId()).isEqualTo(progId);
            again.replace(next);
            // The pin follows the replacement, so a later process finds the current program.
            try (Attachment third = Attachment.open(mode, cg, AttachType.CGROUP_INET_EGRESS, pin)) {
                assertThat(third.programId()).isEqualTo(nextId);
                third.detach();
            }
            assertThat(CgroupPrograms.query(cg, AttachType.CGROUP_INET_EGRESS, false).programIds()).isEmpty();
        }
        assertThat(pin).doesNotExist();
        for (AutoCloseable c : open.reversed()) c.close();
        open.clear();

        // Nothing of ours is left: no program in bpftool prog, nothing under our cgroup in bpftool cgroup tree.
        // The kernel frees a program after an RCU grace period, some time after its last reference goes.
        Await.until("programs " + progId + " and " + nextId + " to be freed",
                () -> !ObjectIds.programs().contains(progId) && !ObjectIds.programs().contains(nextId));
        String progs = bpftool("-j", "prog", "show");
        assertThat(ids(progs)).doesNotContain(progId, nextId);
        assertThat(bpftool("cgroup", "tree", scratch.path().toString())).doesNotContain("tg_t_");
        // Other processes' links come and go between listing and opening: an id gone by then is not ours either.
        assertThat(ObjectIds.links().stream().flatMap(AttachmentTrafficTest::linkIfStillThere)
                .filter(l -> l.programId() == progId || l.programId() == nextId)).isEmpty();
    }

    private static List<Integer> ids(String json) {
        List<Integer> ids = new ArrayList<>();
        Matcher m = Pattern.compile("\"id\":(\\d+)").matcher(json);
        while (m.find()) ids.add(Integer.parseInt(m.group(1)));
        return ids;
    }

    static String bpftool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bpftool"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("bpftool %s: %s", String.join(" ", args), out).isZero();
        return out;
    }

    private static java.util.stream.Stream<dev.tollgate.bpf.LinkInfo> linkIfStillThere(int id) {
        try {
            return java.util.stream.Stream.of(dev.tollgate.bpf.LinkInfo.ofId(id));
        } catch (dev.tollgate.bpf.BpfException e) {
            if (e.errno() != dev.tollgate.libc.Errno.ENOENT) throw e;
            return java.util.stream.Stream.empty();
        }
    }
}
