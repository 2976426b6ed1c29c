package dev.tollgate.libc;

import java.util.Optional;

/**
 * File system types by the magic number that statfs(2) reports in {@code f_type}
 * ({@code <linux/magic.h>}). Only the ones tollgate asks about or names in a message.
 */
public enum FsMagic {
    CGROUP2("cgroup2", 0x63677270L),
    /** A cgroup v1 hierarchy. */
    CGROUP("cgroup", 0x0027e0ebL),
    BPF_FS("bpf", 0xcafe4a11L),
    TMPFS("tmpfs", 0x01021994L),
    SYSFS("sysfs", 0x62656572L),
    PROC("proc", 0x00009fa0L),
    EXT4("ext4", 0x0000ef53L),
    OVERLAYFS("overlay", 0x794c7630L),
    XFS("xfs", 0x58465342L),
    BTRFS("btrfs", 0x9123683eL);

    /** The name mount(8) and mountinfo use for the type. */
    public final String fsType;
    /** The magic number, as an unsigned 32-bit value. */
    public final long magic;

    FsMagic(String fsType, long magic) {
        this.fsType = fsType;
        this.magic = magic;
    }

    /** The known type with this magic number. */
    public static Optional<FsMagic> of(long magic) {
        for (FsMagic m : values()) {
            if (m.magic == (magic & 0xffffffffL)) return Optional.of(m);
        }
        return Optional.empty();
    }

    /** A magic number for a message: {@code "tmpfs (0x1021994)"}, or the number alone if unknown. */
    public static String describe(long magic) {
        String hex = "0x" + Long.toHexString(magic & 0xffffffffL);
        return of(magic).map(m -> m.fsType + " (" + hex + ")").orElse(hex);
    }
}
