package dev.tollgate.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.bpf.BpfException;
import dev.tollgate.bpf.BpfMap;
import dev.tollgate.bpf.BpfProgram;
import dev.tollgate.bpf.Pins;
import dev.tollgate.bpf.ProgramInfo;
import dev.tollgate.bpf.ProgramSpec;
import dev.tollgate.bpf.ProgramType;
import dev.tollgate.bpf.asm.Assembler;
import dev.tollgate.bpf.features.Capabilities;
import dev.tollgate.bpf.features.KernelCapability;
import dev.tollgate.bpf.link.AttachMechanism;
import dev.tollgate.testkit.Privileged;
import dev.tollgate.testkit.ScratchCgroup;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A unit's firewall reads addresses straight from the packet because the kernel's
 * {@link KernelCapability#DIRECT_PACKET_READ} says it can, whatever else failed to load before.
 */
@Privileged
class DirectPacketReadTest {

    @Test
    void firewallProgramsReadThePacketDirectlyEvenAfterAnUnrelatedLoadFailed() throws Exception {
        assertThat(Capabilities.kernel().has(KernelCapability.DIRECT_PACKET_READ)).isTrue();
        // A program the verifier refuses (r0 is never set): before, the first failed firewall
        // load switched direct reads off for the whole process.
        assertThatThrownBy(() -> BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SKB, "tg_bad", null,
                new Assembler().exit().assemble(), Map.of()))).isInstanceOf(BpfException.class);

        Path bpffs = Pins.DEFAULT_BPFFS.resolve("tollgate-test-" + UUID.randomUUID().toString().substring(0, 8));
        try (ScratchCgroup scratch = ScratchCgroup.create("direct");
             Accounting acc = new Accounting(bpffs, AttachMechanism.LINK)) {
            try {
                UnitPolicy p = new UnitPolicy("direct.service", scratch.child("direct.service"), true,
                        Prefixes.rules(List.of("127.0.0.1"), List.of("0.0.0.0/0")), List.of(), null, List.of(), false)
                        .withDropEvents(DropEventRate.OFF);
                UnitDatapath d = acc.start(p);
                for (Direction dir : Direction.values()) {
                    SkbProgram.Shape shape = p.shape(dir);
                    assertThat(shape.filters()).isTrue();
                    assertThat(shape.usesTrie()).isFalse();
                    assertThat(shape.emitsEvents()).isFalse();
                    int attached = ProgramInfo.ofId(d.programIds().get(dir.shortName())).xlated().length;
                    // The verifier's output for the same shape either way: only its length is comparable (map addresses differ).
                    SkbProgram.StateAccess access = d.sharesPrograms() ? SkbProgram.StateAccess.CGROUP_STORAGE
                            : SkbProgram.StateAccess.UNIT_MAPS;
                    assertThat(attached).as(dir + " program").isEqualTo(xlatedLength(shape.withDirectRead(true), access))
                            .isNotEqualTo(xlatedLength(shape.withDirectRead(false), access));
                }
            } finally {
                acc.removeAll();
            }
        } finally {
            Pins.removeTree(bpffs);
        }
    }

    private static int xlatedLength(SkbProgram.Shape shape, SkbProgram.StateAccess access) {
        boolean storage = access == SkbProgram.StateAccess.CGROUP_STORAGE;
        try (BpfMap counters = storage
                     ? BpfMap.create(dev.tollgate.bpf.MapSpec.cgroupStorage(dev.tollgate.bpf.MapType.PERCPU_CGROUP_STORAGE, "tgc_direct",
                             CounterLayout.VALUE_SIZE))
                     : SliceCounters.counterMap("tgc_direct");
             BpfMap events = storage
                     ? BpfMap.create(dev.tollgate.bpf.MapSpec.cgroupStorage(dev.tollgate.bpf.MapType.CGROUP_STORAGE, "tge_direct",
                             DropEventLayout.STATE_SIZE))
                     : UnitDatapath.eventsMap("tge_direct");
             BpfProgram p = BpfProgram.load(ProgramSpec.assembled(ProgramType.CGROUP_SKB, "tg_direct", null,
                     SkbProgram.build(shape, access), Map.of(SkbProgram.UNIT_MAP, counters, SkbProgram.EVENTS_MAP, events)))) {
            return ProgramInfo.ofFd(p.fd()).xlated().length;
        }
    }
}
