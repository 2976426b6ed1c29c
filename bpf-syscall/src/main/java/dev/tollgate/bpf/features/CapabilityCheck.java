package dev.tollgate.bpf.features;

import dev.tollgate.libc.Errno;
import java.util.Optional;

/**
 * What probing one capability found: whether it is there, how that was found out, and the
 * errno the kernel answered when it is not (empty when the reason is not an errno, say no
 * cgroup v2).
 */
public record CapabilityCheck(KernelCapability capability, boolean available, String evidence, Optional<Errno> errno) {
    static CapabilityCheck yes(KernelCapability c, String evidence) {
        return new CapabilityCheck(c, true, evidence, Optional.empty());
    }

    static CapabilityCheck no(KernelCapability c, Errno errno) {
        return new CapabilityCheck(c, false, errno.toString(), Optional.of(errno));
    }

    static CapabilityCheck no(KernelCapability c, String why) {
        return new CapabilityCheck(c, false, why, Optional.empty());
    }

    public String name() {
        return capability.displayName;
    }
}
