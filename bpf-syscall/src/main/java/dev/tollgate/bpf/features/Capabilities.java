package dev.tollgate.bpf.features;

import static dev.tollgate.bpf.features.KernelCapability.*;

import dev.tollgate.bpf.AttachFlags;
import dev.tollgate.bpf.AttachType;
import dev.tollgate.bpf.BpfException;
import dev.tollgate.bpf.BpfLink;
import dev.tollgate.bpf.BpfMap;
import dev.tollgate.bpf.BpfProgram;
import dev.tollgate.bpf.CgroupHandle;
import dev.tollgate.bpf.CgroupPrograms;
import dev.tollgate.bpf.MapSpec;
import dev.tollgate.bpf.MapType;
import dev.tollgate.bpf.ProgramSpec;
import dev.tollgate.bpf.ProgramType;
import dev.tollgate.bpf.asm.Assembler;
import dev.tollgate.bpf.asm.Instructions;
import dev.tollgate.bpf.asm.Register;
import dev.tollgate.bpf.link.AttachMechanism;
import dev.tollgate.bpf.sys.Attr;
import dev.tollgate.libc.ApiFileSystems;
import dev.tollgate.libc.Errno;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What this kernel can do for tollgate: each {@link KernelCapability} probed by trying it, the
 * first time someone asks, and remembered (thread-safe). Capabilities of the whole kernel are
 * remembered once per process ({@link #kernel()} answers them without a cgroup); the attach
 * mechanisms are tried on scratch child cgroups of the given parent, always removed.
 */
public final class Capabilities {
    /** Without these no attach mode can carry tollgate's datapath (counters, programs, policy trie). */
    static final List<KernelCapability> DATAPATH = List.of(BPF, CGROUP_SKB, PERCPU_ARRAY, LPM_TRIE);

    private static final Map<KernelCapability, CapabilityCheck> KERNEL_WIDE = new EnumMap<>(KernelCapability.class);
    private static final Capabilities KERNEL = new Capabilities(Optional.empty(), Optional.empty());

    private final Optional<Path> cgroup2;
    private final Optional<Path> scratchParent;
    private final Map<KernelCapability, CapabilityCheck> cgroupChecks = new EnumMap<>(KernelCapability.class);

    private Capabilities(Optional<Path> cgroup2, Optional<Path> scratchParent) {
        this.cgroup2 = cgroup2;
        this.scratchParent = scratchParent;
    }

    /** Capabilities on the cgroup2 hierarchy at {@code cgroup2} (empty: none), tried in scratch children of {@code scratchParent}. */
    public static Capabilities of(Optional<Path> cgroup2, Path scratchParent) {
        return new Capabilities(cgroup2, Optional.of(scratchParent));
    }

    /** The kernel-wide capabilities, for code that has no cgroup to try attach mechanisms in. */
    public static Capabilities kernel() {
        return KERNEL;
    }

    /** The answer for {@code c}, probing it on first use. */
    public CapabilityCheck check(KernelCapability c) {
        if (!c.needsCgroup) {
            synchronized (KERNEL_WIDE) {
                CapabilityCheck known = KERNEL_WIDE.get(c);
                if (known == null) {
                    known = probeKernelWide(c);
                    KERNEL_WIDE.put(c, known);
                }
                return known;
            }
        }
        synchronized (cgroupChecks) {
            CapabilityCheck known = cgroupChecks.get(c);
            if (known == null) {
                known = probeOnCgroup(c);
                cgroupChecks.put(c, known);
            }
            return known;
        }
    }

    public boolean has(KernelCapability c) {
        return check(c).available();
    }

    /** Every capability, in declaration order: what the probe report lists. */
    public List<CapabilityCheck> all() {
        List<CapabilityCheck> all = new ArrayList<>();
        for (KernelCapability c : KernelCapability.values()) all.add(check(c));
        return all;
    }

    public Optional<Path> cgroup2Mount() {
        return cgroup2;
    }

    /** The first datapath prerequisite missing here, with why. */
    private Optional<CapabilityCheck> datapathMissing() {
        return DATAPATH.stream().map(this::check).filter(x -> !x.available()).findFirst();
    }

    /** The best attach mode this kernel offers, if any. */
    public Optional<AttachMechanism> bestMode() {
        if (datapathMissing().isPresent()) return Optional.empty();
        if (has(LINK) && has(LINK_UPDATE)) return Optional.of(AttachMechanism.LINK);
        if (has(MULTI)) return Optional.of(AttachMechanism.MULTI);
        if (has(ATTACH)) return Optional.of(AttachMechanism.SINGLE);
        return Optional.empty();
    }

    /** Whether a forced mode can work here; empty if so, else why not. */
    public Optional<String> whyNot(AttachMechanism mode) {
        Optional<CapabilityCheck> missing = datapathMissing();
        if (missing.isPresent()) return Optional.of("the datapath needs " + missing.get().name() + ": " + missing.get().evidence());
        return switch (mode) {
            case LINK -> has(LINK) && has(LINK_UPDATE) ? Optional.empty()
                    : Optional.of("this kernel has no cgroup bpf_link with BPF_LINK_UPDATE (needs 5.7+)");
            case MULTI -> has(MULTI) ? Optional.empty()
                    : Optional.of("this kernel has no BPF_F_ALLOW_MULTI (needs 4.15+)");
            case SINGLE -> has(ATTACH) ? Optional.empty()
                    : Optional.of("cgroup BPF attach does not work here: " + check(ATTACH).evidence());
        };
    }

    /**
     * The mode to use: the forced one if this kernel supports it, else the best one probed.
     * Throws {@link IllegalStateException} saying why a forced mode cannot work, or that cgroup
     * BPF is unavailable.
     */
    public AttachMechanism chooseMode(Optional<AttachMechanism> forced) {
        if (forced.isPresent()) {
            whyNot(forced.get()).ifPresent(why -> {
                throw new IllegalStateException("attach mode " + forced.get().configName() + " was asked for, but " + why);
            });
            return forced.get();
        }
        return bestMode().orElseThrow(() -> new IllegalStateException(
                "cgroup BPF is unavailable: " + chooseModeFailure()));
    }

    /** What the probe saw when it found no way to carry the datapath on a cgroup. */
    public String chooseModeFailure() {
        return datapathMissing().map(m -> m.name() + ": " + m.evidence()).orElseGet(() -> check(ATTACH).evidence());
    }

    private static CapabilityCheck probeKernelWide(KernelCapability c) {
        return switch (c) {
            case BPF -> tryMap(c, MapSpec.of(MapType.ARRAY, "tg_probe", 4, 4, 1));
            case LPM_TRIE -> tryMap(c, MapSpec.lpmTrie("tg_probe", 4, 8, 1));
            case PERCPU_ARRAY -> tryMap(c, MapSpec.of(MapType.PERCPU_ARRAY, "tg_probe", 4, 8, 1));
            case RINGBUF -> tryMap(c, MapSpec.ringBuffer("tg_probe", 4096));
            case CGROUP_SKB -> tryLoad(c, passProgram(ProgramType.CGROUP_SKB, null), "loaded 'r0 = 1; exit'");
            case BIND_HOOKS -> tryLoad(c, passProgram(ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_BIND),
                    "loaded a bind4 program");
            case DIRECT_PACKET_READ -> tryLoad(c, ProgramSpec.assembled(ProgramType.CGROUP_SKB, "tg_probe", null,
                    directRead(), Map.of()), "loaded a cgroup_skb program reading skb->data directly");
            // Before 5.9 the key must be struct bpf_cgroup_storage_key (12 bytes): EINVAL for a u64.
            case SHARED_CGROUP_STORAGE -> tryMap(c, MapSpec.cgroupStorage(MapType.PERCPU_CGROUP_STORAGE, "tg_probe", 8));
            case REPLACE -> flagKnown(c, AttachFlags.ALLOW_MULTI | AttachFlags.REPLACE);
            case LINK_DETACH -> commandKnown(c);
            case CGROUP2, ATTACH, MULTI, LINK, LINK_UPDATE -> throw new IllegalArgumentException(c + " needs a cgroup");
        };
    }

    private CapabilityCheck probeOnCgroup(KernelCapability c) {
        if (c == CGROUP2) {
            return cgroup2.map(p -> CapabilityCheck.yes(c, "at " + p)).orElseGet(() -> CapabilityCheck.no(c, "statfs: neither "
                    + String.join(" nor ", ApiFileSystems.CGROUP2_PLACES.stream().map(Path::toString).toList()) + " is cgroup2"));
        }
        if (cgroup2.isEmpty()) return CapabilityCheck.no(c, scratchParent.isEmpty() ? "not probed: no cgroup to try it in" : "no cgroup v2");
        CapabilityCheck skb = check(CGROUP_SKB);
        if (!skb.available()) return new CapabilityCheck(c, false, "cannot load cgroup_skb programs: " + skb.evidence(), skb.errno());
        AttachType ingress = AttachType.CGROUP_INET_INGRESS;
        Path scratch = null;
        try (BpfProgram pass = BpfProgram.load(passProgram(ProgramType.CGROUP_SKB, null))) {
            scratch = scratchParent.orElseThrow().resolve("tollgate-probe-" + ProcessHandle.current().pid() + "-"
                    + Integer.toHexString(ThreadLocalRandom.current().nextInt()));
            Files.createDirectory(scratch);
            try (CgroupHandle cg = CgroupHandle.open(scratch)) {
                switch (c) {
                    case ATTACH -> {
                        CgroupPrograms.attach(cg, pass, ingress, AttachFlags.NONE);
                        CgroupPrograms.detach(cg, pass, ingress);
                        return CapabilityCheck.yes(c, "attached and detached on a scratch cgroup");
                    }
                    case MULTI -> {
                        CgroupPrograms.attach(cg, pass, ingress, AttachFlags.ALLOW_MULTI);
                        CgroupPrograms.detach(cg, pass, ingress);
                        return CapabilityCheck.yes(c, "attached with ALLOW_MULTI on a scratch cgroup");
                    }
                    case LINK -> {
                        try (BpfLink link = BpfLink.createCgroup(cg, pass, ingress)) {
                            return CapabilityCheck.yes(c, "created a cgroup link on a scratch cgroup");
                        }
                    }
                    case LINK_UPDATE -> {
                        try (BpfLink link = BpfLink.createCgroup(cg, pass, ingress);
                             BpfProgram other = BpfProgram.load(passProgram(ProgramType.CGROUP_SKB, null))) {
                            link.update(other, pass);
                            boolean swapped = link.info().programId() == other.id();
                            return swapped ? CapabilityCheck.yes(c, "swapped a cgroup link's program")
                                    : CapabilityCheck.no(c, "BPF_LINK_UPDATE left the program unchanged");
                        }
                    }
                    default -> throw new IllegalArgumentException(c + " is kernel-wide");
                }
            }
        } catch (BpfException e) {
            return CapabilityCheck.no(c, e.errno());
        } catch (IOException | java.io.UncheckedIOException e) {
            return CapabilityCheck.no(c, "no scratch cgroup: " + e.getMessage());
        } finally {
            if (scratch != null) {
                try {
                    Files.deleteIfExists(scratch);
                } catch (IOException ignored) {
                    // Reported by the caller's leftover check; nothing else to do here.
                }
            }
        }
    }

    private static ProgramSpec passProgram(ProgramType type, AttachType expected) {
        return ProgramSpec.assembled(type, "tg_probe", expected, new Assembler().mov(Register.R0, 1).exit().assemble(), Map.of());
    }

    /** {@code __sk_buff.data} and {@code data_end}: the verifier allows reads between them only where it knows direct packet access. */
    private static final int SKB_DATA = 76, SKB_DATA_END = 80;

    /** Reads the packet's first byte through skb->data after the bounds check, as the firewall does. */
    private static Instructions directRead() {
        return new Assembler()
                .ldxw(Register.R2, Register.R1, SKB_DATA).ldxw(Register.R3, Register.R1, SKB_DATA_END)
                .mov(Register.R4, Register.R2).add(Register.R4, 1)
                .jgt(Register.R4, Register.R3, "out")
                .ldxb(Register.R0, Register.R2, 0)
                .label("out").mov(Register.R0, 1).exit().assemble();
    }

    private static CapabilityCheck tryMap(KernelCapability c, MapSpec spec) {
        try (BpfMap m = BpfMap.create(spec)) {
            return CapabilityCheck.yes(c, "created " + spec.type());
        } catch (BpfException e) {
            return CapabilityCheck.no(c, e.errno());
        }
    }

    private static CapabilityCheck tryLoad(KernelCapability c, ProgramSpec spec, String evidence) {
        try (BpfProgram p = BpfProgram.load(spec)) {
            return CapabilityCheck.yes(c, evidence);
        } catch (BpfException e) {
            return CapabilityCheck.no(c, e.errno());
        }
    }

    /** The kernel checks attach flags before it looks at the fds: EBADF for fd -1 means the flags are known, EINVAL that they are not. */
    private static CapabilityCheck flagKnown(KernelCapability c, int flags) {
        int r = Attr.ProgAttach.probeFlags(AttachType.CGROUP_INET_INGRESS.value, flags);
        String how = "BPF_PROG_ATTACH with flags 0x" + Integer.toHexString(flags) + " and fd -1: " + Errno.of(r).name();
        return r == Errno.EBADF.number() ? CapabilityCheck.yes(c, how) : new CapabilityCheck(c, false, how, Optional.of(Errno.of(r)));
    }

    /** An unknown bpf(2) command fails with EINVAL; a known one looks up the fd -1 and fails with EBADF. */
    private static CapabilityCheck commandKnown(KernelCapability c) {
        int r = Attr.LinkDetach.probe();
        String how = "BPF_LINK_DETACH of fd -1: " + Errno.of(r).name();
        return r == Errno.EBADF.number() ? CapabilityCheck.yes(c, how) : new CapabilityCheck(c, false, how, Optional.of(Errno.of(r)));
    }
}
