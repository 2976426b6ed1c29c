package dev.tollgate.accounting;

import static dev.tollgate.accounting.Prefixes.ip;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.bpf.BpfMap;
import dev.tollgate.bpf.BpfProgram;
import dev.tollgate.bpf.Bytes;
import dev.tollgate.bpf.MapSpec;
import dev.tollgate.bpf.ProgramSpec;
import dev.tollgate.bpf.ProgramType;
import dev.tollgate.bpf.RingBufferReader;
import dev.tollgate.bpf.TestRun;
import dev.tollgate.testkit.Privileged;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The drop event path of the unit program on crafted packets (BPF_PROG_TEST_RUN, a real ring
 * buffer and events map): every field of an event, per direction, family and protocol; the
 * pass path emits nothing; the token bucket and a full ring count what they hold back.
 */
@Privileged
class DropEventProgramTest {
    private final List<AutoCloseable> open = new ArrayList<>();
    private BpfMap counters;
    private BpfMap events;

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : open.reversed()) c.close();
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    private BpfProgram program(Direction d, DropEventRate rate, BpfMap ring) {
        counters = keep(SliceCounters.counterMap("tgc_test"));
        events = keep(UnitDatapath.eventsMap("tge_test"));
        Map<String, BpfMap> maps = new HashMap<>();
        maps.put(SkbProgram.UNIT_MAP, counters);
        maps.put(SkbProgram.EVENTS_MAP, events);
        maps.put(SkbProgram.RING_MAP, ring);
        SkbProgram.Shape shape = SkbProgram.Shape.of(d, Prefixes.rules(List.of(), List.of("10.0.0.0/8", "fd00::/8")))
                .withEvents(rate);
        return keep(BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SKB, "tg_test", null,
                SkbProgram.build(shape), maps).withLogLevel(1)));
    }

    private List<DropRecord> drain(RingBufferReader r) {
        List<DropRecord> out = new ArrayList<>();
        r.drain(Integer.MAX_VALUE, s -> out.add(DropRecord.decode(s)));
        return out;
    }

    private DropEventCounters eventCounters() {
        byte[] v = events.lookup(Bytes.u32(0)).orElseThrow();
        return new DropEventCounters(Bytes.u64(v, DropEventLayout.EMITTED), Bytes.u64(v, DropEventLayout.SUPPRESSED));
    }

    /** An Ethernet frame with an IP packet of protocol {@code proto} whose transport header starts with {@code l4}. */
    static byte[] frame(String src, String dst, int proto, byte[] l4, int payload) {
        byte[] s = ip(src), d = ip(dst);
        boolean v6 = s.length == 16;
        int ipLen = (v6 ? 40 : 20) + l4.length + payload;
        ByteBuffer b = ByteBuffer.allocate(14 + ipLen);
        b.put(new byte[12]).putShort((short) (v6 ? 0x86DD : 0x0800));
        if (v6) {
            b.putInt(0x60000000).putShort((short) (ipLen - 40)).put((byte) proto).put((byte) 64).put(s).put(d);
        } else {
            b.put((byte) 0x45).put((byte) 0).putShort((short) ipLen).putInt(0).put((byte) 64).put((byte) proto)
                    .putShort((short) 0).put(s).put(d);
        }
        b.put(l4);
        return b.array();
    }

    static byte[] ports(int src, int dst, int headerLength) {
        return ByteBuffer.allocate(headerLength).putShort((short) src).putShort((short) dst).array();
    }

    static byte[] icmp(int type, int code) {
        return ByteBuffer.allocate(8).put((byte) type).put((byte) code).array();
    }

    record Case(int protocol, byte[] l4, int transport) {}

    @ParameterizedTest
    @EnumSource(Direction.class)
    void everyFieldOfADropEventPerFamilyAndProtocol(Direction d) throws Exception {
        BpfMap ring = keep(BpfMap.create(MapSpec.ringBuffer("tg_t_drops", 64 * 1024)));
        RingBufferReader reader = keep(RingBufferReader.open(ring));
        BpfProgram p = program(d, new DropEventRate(1_000_000, 1_000_000), ring);
        boolean in = d == Direction.INGRESS;
        long drops = 0;
        for (String[] pair : new String[][] {{"10.1.2.3", "192.168.7.9"}, {"fd00::1:2", "2001:db8::9"}}) {
            // The denied address is the source on ingress, the destination on egress.
            String src = in ? pair[0] : pair[1], dst = in ? pair[1] : pair[0];
            boolean v6 = pair[0].contains(":");
            for (Case c : List.of(new Case(17, ports(5353, 53, 8), (5353 << 16) | 53),
                    new Case(6, ports(40000, 443, 20), (40000 << 16) | 443),
                    new Case(v6 ? 58 : 1, icmp(v6 ? 128 : 8, 0), (v6 ? 128 : 8) << 24),
                    new Case(v6 ? 58 : 1, icmp(3, 1), (3 << 24) | (1 << 16)),
                    new Case(47, new byte[4], 0))) { // GRE: no ports, transport zero
                byte[] f = frame(src, dst, c.protocol(), c.l4(), 11);
                long before = System.nanoTime(); // CLOCK_MONOTONIC, as bpf_ktime_get_ns
                assertThat(p.testRun(TestRun.of(f)).returnValue()).isZero();
                long after = System.nanoTime();
                drops++;
                List<DropRecord> got = drain(reader);
                assertThat(got).hasSize(1);
                DropRecord e = got.getFirst();
                assertThat(e.monotonicNs()).isBetween(before, after);
                assertThat(e.unitId()).isEqualTo(events.id());
                assertThat(e.direction()).isEqualTo(d);
                assertThat(e.family()).isEqualTo(v6 ? 6 : 4);
                assertThat(e.protocol()).isEqualTo(c.protocol());
                assertThat(e.length()).isEqualTo(f.length - 14);
                assertThat(e.source()).isEqualTo(InetAddress.getByName(src));
                assertThat(e.destination()).isEqualTo(InetAddress.getByName(dst));
                assertThat(e.remote()).isEqualTo(InetAddress.getByName(pair[0]));
                assertThat(e.local()).isEqualTo(InetAddress.getByName(pair[1]));
                assertThat(e.transport()).as("transport of protocol %d", c.protocol()).isEqualTo(c.transport());
                // BPF_PROG_TEST_RUN runs the program on the namespace's loopback device.
                assertThat(e.ifindex()).isEqualTo(1);
            }
        }
        assertThat(eventCounters()).isEqualTo(new DropEventCounters(drops, 0));
        assertThat(SliceCounters.read(counters).egressDroppedPackets() + SliceCounters.read(counters).ingressDroppedPackets())
                .isEqualTo(drops);
    }

    @Test
    void aLaterFragmentIsReportedWithoutPorts() throws Exception {
        BpfMap ring = keep(BpfMap.create(MapSpec.ringBuffer("tg_t_drops", 64 * 1024)));
        RingBufferReader reader = keep(RingBufferReader.open(ring));
        BpfProgram p = program(Direction.EGRESS, DropEventRate.DEFAULT, ring);
        byte[] f = frame("192.168.7.9", "10.0.0.1", 17, ports(1, 2, 8), 0);
        f[14 + 6] = 0x00;
        f[14 + 7] = 0x10; // fragment offset 16 (x 8 bytes): the UDP header is in the first fragment
        assertThat(p.testRun(TestRun.of(f)).returnValue()).isZero();
        assertThat(drain(reader)).singleElement().satisfies(e -> {
            assertThat(e.protocol()).isEqualTo(17);
            assertThat(e.transport()).isZero();
        });
    }

    @Test
    void passedPacketsEmitNothing() {
        BpfMap ring = keep(BpfMap.create(MapSpec.ringBuffer("tg_t_drops", 64 * 1024)));
        RingBufferReader reader = keep(RingBufferReader.open(ring));
        BpfProgram p = program(Direction.EGRESS, DropEventRate.DEFAULT, ring);
        assertThat(p.testRun(new TestRun(frame("10.0.0.1", "192.168.7.9", 17, ports(1, 2, 8), 10), 1000, null))
                .returnValue()).isEqualTo(1);
        assertThat(reader.pending()).isZero();
        assertThat(eventCounters()).isEqualTo(DropEventCounters.ZERO);
    }

    @Test
    void theBucketPassesItsBurstAndCountsTheRestAsSuppressed() {
        BpfMap ring = keep(BpfMap.create(MapSpec.ringBuffer("tg_t_drops", 64 * 1024)));
        RingBufferReader reader = keep(RingBufferReader.open(ring));
        // One event an hour: within the run, the burst alone passes.
        BpfProgram p = program(Direction.EGRESS, new DropEventRate(1, 25), ring);
        // (1/s: the bucket refills one token a second; the 300 runs take far less than that
        // on any machine, but the bound below allows for refills by the run's own timestamps.)
        assertThat(p.testRun(new TestRun(frame("192.168.7.9", "10.0.0.1", 17, ports(1, 2, 8), 10), 300, null))
                .returnValue()).isZero();
        List<DropRecord> got = drain(reader);
        long span = got.getLast().monotonicNs() - got.getFirst().monotonicNs();
        assertThat((long) got.size()).isBetween(25L, 25 + span / 1_000_000_000L + 1);
        assertThat(eventCounters()).isEqualTo(new DropEventCounters(got.size(), 300 - got.size()));
        assertThat(SliceCounters.read(counters).egressDroppedPackets()).isEqualTo(300);
    }

    @Test
    void aFullRingCountsTheEventsItRefusesAsSuppressed() {
        // 4096 bytes hold 56 records of 8 + 64 bytes; nobody reads the ring meanwhile.
        BpfMap ring = keep(BpfMap.create(MapSpec.ringBuffer("tg_t_drops", 4096)));
        RingBufferReader reader = keep(RingBufferReader.open(ring));
        BpfProgram p = program(Direction.INGRESS, new DropEventRate(1_000_000_000, 1_000_000_000), ring);
        assertThat(p.testRun(new TestRun(frame("10.0.0.1", "192.168.7.9", 17, ports(1, 2, 8), 10), 100, null))
                .returnValue()).isZero();
        assertThat(eventCounters()).isEqualTo(new DropEventCounters(56, 44));
        assertThat(drain(reader)).hasSize(56);
        // Read, the ring takes events again.
        assertThat(p.testRun(TestRun.of(frame("10.0.0.1", "192.168.7.9", 17, ports(1, 2, 8), 10))).returnValue()).isZero();
        assertThat(drain(reader)).hasSize(1);
        assertThat(eventCounters()).isEqualTo(new DropEventCounters(57, 44));
    }

    /**
     * The pass path costs what it cost before: with events on, the program is the program
     * without them, instruction for instruction, up to the drop path's exit, for every firewall
     * form; the event code is inserted only there. (bench/datapath.sh measures the pass path;
     * this shows it is unchanged without a run.)
     */
    @Test
    void eventsAddNothingBeforeTheDropPath() {
        List<PolicyTrie.Entry> shortList = Prefixes.rules(List.of("127.0.0.0/8"), List.of("0.0.0.0/0", "::/0"));
        List<PolicyTrie.Entry> longList = new ArrayList<>();
        for (int i = 0; i < 40; i++) longList.addAll(Prefixes.rules(List.of(), List.of("10.0." + i + ".0/24")));
        for (Direction d : Direction.values()) {
            for (List<PolicyTrie.Entry> rules : List.of(shortList, longList)) {
                for (boolean direct : new boolean[] {true, false}) {
                    SkbProgram.Shape off = SkbProgram.Shape.of(d, rules).withDirectRead(direct);
                    List<dev.tollgate.bpf.asm.Instruction> without = SkbProgram.build(off).list();
                    List<dev.tollgate.bpf.asm.Instruction> with = SkbProgram.build(off.withEvents(DropEventRate.DEFAULT)).list();
                    assertThat(with.size()).isGreaterThan(without.size());
                    // Everything up to the drop path's final "r0 = 0; exit" (the pass path, the
                    // firewall, the drop counters) is the same; the event code comes before that exit.
                    int common = without.size() - 2;
                    assertThat(with.subList(0, common)).as("%s %s direct %s", d, rules.size(), direct)
                            .isEqualTo(without.subList(0, common));
                    assertThat(with.subList(with.size() - 2, with.size())).isEqualTo(without.subList(common, without.size()));
                }
            }
        }
    }
}
