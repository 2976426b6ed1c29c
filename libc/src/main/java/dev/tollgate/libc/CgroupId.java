package dev.tollgate.libc;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * The kernel's id of a cgroup v2 directory, the number BPF sees ({@code bpf_get_current_cgroup_id},
 * {@code bpf_link_info.cgroup.cgroup_id}), read as systemd's {@code cg_path_get_cgroupid} does:
 * from the directory's file handle (name_to_handle_at(2)), which for kernfs is the 64-bit id.
 * The inode number equals it only where {@code ino_t} has 64 bits, and the handle's type tells a
 * path on another file system, whose inode number would pass for an id.
 */
public final class CgroupId {
    private CgroupId() {}

    /** {@code FILEID_KERNFS}: kernfs's handle type since Linux 5.5, the handle being the node's 64-bit id. */
    private static final int FILEID_KERNFS = 0xfe;
    /** {@code FILEID_INO32_GEN}: kernfs's handle type before 5.5, the same 64 bits as inode and generation. */
    private static final int FILEID_INO32_GEN = 1;
    private static final int AT_FDCWD = -100;
    /** {@code struct file_handle}: handle_bytes, handle_type, then the handle. */
    private static final long HANDLE_OFFSET = 8, HANDLE_BYTES = 8;

    private static final MemorySegment NAME_TO_HANDLE_AT = Native.function("name_to_handle_at");

    /**
     * The id of the cgroup at {@code cgroupDirectory} (its last component not followed if a symlink).
     *
     * @throws java.nio.file.NoSuchFileException if there is no such directory, or a
     *     {@link FileSystemException} if it is not on cgroup2 or the kernel refuses with another errno
     */
    public static long of(Path cgroupDirectory) throws IOException {
        String path = cgroupDirectory.toString();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            MemorySegment handle = arena.allocate(HANDLE_OFFSET + HANDLE_BYTES, 8);
            handle.set(JAVA_INT, 0, (int) HANDLE_BYTES);
            MemorySegment mountId = arena.allocate(JAVA_INT);
            int r = (int) Native.call(NAME_TO_HANDLE_AT, state, AT_FDCWD, arena.allocateFrom(path).address(), handle.address(), mountId.address(), 0);
            if (r != 0) {
                int errno = Native.errno(state);
                // EOVERFLOW: the file system's handles are longer than 8 bytes, so it is not kernfs.
                if (errno == Errno.EOVERFLOW.number() || errno == Errno.EOPNOTSUPP.number())
                    throw notACgroup(path, Errno.of(errno).toString());
                throw Native.pathError("name_to_handle_at", path, errno);
            }
            int type = handle.get(JAVA_INT, 4);
            // Disk file systems and tmpfs use FILEID_INO32_GEN too: there, only statfs tells.
            if (type != FILEID_KERNFS && !(type == FILEID_INO32_GEN && Statfs.isOn(cgroupDirectory, FsMagic.CGROUP2)))
                throw notACgroup(path, "its file handle is of type 0x" + Integer.toHexString(type));
            return handle.get(JAVA_LONG_UNALIGNED, HANDLE_OFFSET);
        }
    }

    private static FileSystemException notACgroup(String path, String why) {
        return new FileSystemException(path, null, "not a cgroup v2 directory (name_to_handle_at: " + why + ")");
    }
}
