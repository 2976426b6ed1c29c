package dev.tollgate.bpf.link;

import dev.tollgate.bpf.AttachType;
import dev.tollgate.bpf.BpfProgram;
import dev.tollgate.bpf.CgroupHandle;
import java.nio.file.Path;

/**
 * One program attached to one cgroup for one attach type, whatever the mechanism. The caller
 * may close its program descriptor once attached: the kernel holds the program.
 *
 * <p>An attachment holds as few file descriptors as the kernel allows: none when legacy, and
 * a link's only until it is pinned (the pin then keeps it). What needs a descriptor opens it
 * for that moment, by pin or id, so a daemon's descriptors do not grow with its attachments.
 * {@link #close()} only lets go of what is held: legacy attachments stay in the kernel, and so
 * does a link that was pinned (an unpinned link detaches when its fd closes, which is the
 * kernel's rule). {@link #detach()} removes the attachment and its pin.
 */
public sealed interface Attachment extends AutoCloseable permits LinkAttachment, LegacyAttachment {

    AttachMechanism mode();

    AttachType type();

    Path cgroup();

    /** The id of the program attached now. */
    int programId();

    /** Where it is pinned; null when it is not. */
    Path pinnedAt();

    /** Swaps in {@code next} atomically: every packet runs either the old or the new program. */
    void replace(BpfProgram next);

    /** Removes the attachment from the kernel, and its pin if it has one. */
    void detach();

    /**
     * Pins what a later process needs to find this attachment again: the link, or for legacy
     * attachments the program (whose attachment outlives every fd anyway). Pinned already, the
     * pin moves there (one rename: the object is never without a pin); nothing may be pinned at
     * {@code path}.
     */
    void pin(Path path);

    @Override
    void close();

    static Attachment attach(AttachMechanism mode, CgroupHandle cgroup, AttachType type, BpfProgram program) {
        return switch (mode) {
            case LINK -> LinkAttachment.create(cgroup, type, program);
            case MULTI, SINGLE -> LegacyAttachment.create(mode, cgroup, type, program);
        };
    }

    /**
     * Re-adopts an attachment from its pin, verifying that it is what the caller expects: a
     * cgroup link of this attach type on this cgroup, or a program of the right type attached
     * there in this mode. Throws {@link IllegalStateException} saying what differs.
     */
    static Attachment open(AttachMechanism mode, CgroupHandle cgroup, AttachType type, Path pin) {
        return switch (mode) {
            case LINK -> LinkAttachment.open(cgroup, type, pin);
            case MULTI, SINGLE -> LegacyAttachment.open(mode, cgroup, type, pin);
        };
    }
}
