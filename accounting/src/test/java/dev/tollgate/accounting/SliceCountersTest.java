package dev.tollgate.accounting;

import static dev.tollgate.accounting.Prefixes.ip;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.bpf.BpfMap;
import dev.tollgate.bpf.BpfProgram;
import dev.tollgate.bpf.Pins;
import dev.tollgate.bpf.ProgramSpec;
import dev.tollgate.bpf.ProgramType;
import dev.tollgate.bpf.TestRun;
import dev.tollgate.testkit.Packets;
import dev.tollgate.testkit.Privileged;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A slice's counters as the sum of its members' and the retired total, with the steps of a
 * join and a leave done one by one and the process "killed" (its descriptors dropped, pins
 * left as they are) between them: every reopening reads exactly what was let through.
 * Traffic is counted by the real unit program through BPF_PROG_TEST_RUN.
 */
@Privileged
class SliceCountersTest {
    private static final int LEN = 128; // a 100 B UDP payload over IPv4
    private final List<AutoCloseable> open = new ArrayList<>();
    private final Path bpffs = Pins.DEFAULT_BPFFS.resolve("tollgate-test-" + UUID.randomUUID().toString().substring(0, 8));
    private final PinLayout pins = new PinLayout(Pins.ensureDirectory(bpffs));

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : open.reversed()) c.close();
        Pins.removeTree(bpffs);
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    /** A unit's counters map and its egress accounting program. */
    private record Unit(BpfMap counters, UnitState state, BpfProgram program) {
        void send(int n) {
            for (int i = 0; i < n; i++) {
                assertThat(program.testRun(TestRun.of(Packets.ipv4Udp(ip("127.0.0.1"), ip("127.0.0.1"), 100))).returnValue()).isEqualTo(1);
            }
        }
    }

    private Unit unit() {
        BpfMap m = SliceCounters.counterMap("tgc_test");
        UnitState state = keep(new UnitState.OwnMaps(m, UnitDatapath.eventsMap("tge_test")));
        BpfProgram p = keep(BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SKB, "tg_test", null,
                SkbProgram.build(SkbProgram.Shape.accounting(Direction.EGRESS)), Map.of(SkbProgram.UNIT_MAP, m))));
        return new Unit(m, state, p);
    }

    private static CounterSums out(long packets) {
        return new CounterSums(0, 0, packets, packets * LEN, 0, 0, 0, 0);
    }

    private SliceCounters reopen(SliceCounters s) {
        s.close(); // a kill: descriptors gone, pins stay
        return keep(SliceCounters.openOrCreate("t.slice", pins, null));
    }

    @Test
    void membersJoinWithTheirBaseAndLeaveIntoTheRetiredTotal() {
        SliceCounters s = SliceCounters.openOrCreate("t.slice", pins, null);
        Unit a = unit(), b = unit();
        s.join(a.state(), CounterSums.ZERO);
        a.send(3);
        b.send(2);
        // b joins while running: what it counted before is not the slice's.
        s.join(b.state(), SliceCounters.read(b.counters()));
        b.send(4);
        assertThat(s.read()).isEqualTo(out(7));
        s.leave(a.counters().id());
        a.send(5); // no longer a member
        assertThat(s.read()).isEqualTo(out(7));
        s = reopen(s);
        assertThat(s.read()).isEqualTo(out(7));
        assertThat(SliceCounters.readPinned(pins.slice("t.slice"))).contains(out(7));
        b.send(1);
        assertThat(s.read()).isEqualTo(out(8));
        s.leave(b.counters().id());
        s = reopen(s);
        assertThat(s.read()).isEqualTo(out(8));
    }

    @Test
    void aKillBetweenTheFoldAndTheUnpinOfALeaveCountsTheMemberOnce() throws Exception {
        SliceCounters s = SliceCounters.openOrCreate("t.slice", pins, null);
        Unit a = unit(), b = unit();
        s.join(a.state(), CounterSums.ZERO);
        s.join(b.state(), CounterSums.ZERO);
        a.send(3);
        b.send(2);
        Path members = pins.slice("t.slice").resolve(SliceCounters.MEMBERS);
        Path aPin;
        try (var l = Files.list(members)) {
            aPin = l.filter(p -> p.getFileName().toString().startsWith("m" + a.counters().id() + "_")).findFirst().orElseThrow();
        }
        s.leave(a.counters().id());
        // The state a kill after the fold and before the unpin leaves: the member's pin is back.
        a.counters().pin(aPin);
        assertThat(SliceCounters.readPinned(pins.slice("t.slice"))).as("read from pins").contains(out(5));
        s = reopen(s);
        assertThat(s.read()).isEqualTo(out(5));
        assertThat(aPin).as("the folded member's pin is let go").doesNotExist();
        // A member that left and joins again is counted again after a restart (the fold record is cleared).
        s.join(a.state(), SliceCounters.read(a.counters()));
        a.send(4);
        s = reopen(s);
        assertThat(s.read()).isEqualTo(out(9));
    }

    @Test
    void aKillInsideAJoinLeavesEitherNoMemberOrAWholeOne() {
        SliceCounters s = SliceCounters.openOrCreate("t.slice", pins, null);
        Unit a = unit();
        a.send(6);
        assertThat(reopen(s).read()).as("before the pin").isEqualTo(out(0));
        s = keep(SliceCounters.openOrCreate("t.slice", pins, null));
        s.join(a.state(), SliceCounters.read(a.counters()));
        a.send(2);
        assertThat(reopen(s).read()).as("after the pin").isEqualTo(out(2));
    }
}
