package dev.tollgate.bpf.sys;

import dev.tollgate.bpf.BpfCommand;
import java.lang.foreign.MemorySegment;

/**
 * The {@code union bpf_attr} of each bpf(2) command tollgate issues, one class per command
 * (or per group of commands sharing a layout), each the only place that knows its field
 * offsets (include/uapi/linux/bpf.h). Callers set fields by name; buffers they point to are
 * owned by the attr and freed with it.
 */
public abstract sealed class Attr implements AutoCloseable {
    final BpfAttr raw = new BpfAttr();
    private final BpfCommand command;

    private Attr(BpfCommand command) {
        this.command = command;
    }

    public BpfCommand command() {
        return command;
    }

    /** A zeroed buffer owned by this attr. */
    public MemorySegment buffer(long bytes) {
        return raw.buffer(bytes);
    }

    public MemorySegment buffer(byte[] content) {
        return raw.buffer(content);
    }

    /** Issues the command; returns the result or throws naming the command, errno and context. */
    public long call(String context) {
        return raw.call(command, context);
    }

    /** Issues the command; returns the result, or {@code -errno} (for probes and expected errors). */
    public long callRaw() {
        return raw.callRaw(command);
    }

    @Override
    public void close() {
        raw.close();
    }

    /** BPF_MAP_CREATE: map_type 0, key_size 4, value_size 8, max_entries 12, map_flags 16, map_name 28 (16 bytes). */
    public static final class MapCreate extends Attr {
        public MapCreate(int type, int keySize, int valueSize, int maxEntries, int flags, String name) {
            super(BpfCommand.BPF_MAP_CREATE);
            raw.u32(0, type).u32(4, keySize).u32(8, valueSize).u32(12, maxEntries).u32(16, flags).name(28, 16, name);
        }
    }

    /** BPF_MAP_LOOKUP_ELEM, _UPDATE_ELEM, _DELETE_ELEM, _GET_NEXT_KEY: map_fd 0, key 8, value/next_key 16, flags 24. */
    public static final class MapElem extends Attr {
        public MapElem(BpfCommand command, int mapFd) {
            super(command);
            if (command != BpfCommand.BPF_MAP_LOOKUP_ELEM && command != BpfCommand.BPF_MAP_UPDATE_ELEM
                    && command != BpfCommand.BPF_MAP_DELETE_ELEM && command != BpfCommand.BPF_MAP_GET_NEXT_KEY)
                throw new IllegalArgumentException(command + " is not a map element command");
            raw.u32(0, mapFd);
        }

        public MapElem key(MemorySegment key) {
            raw.pointer(8, key);
            return this;
        }

        /** The value (lookup, update) or, for BPF_MAP_GET_NEXT_KEY, where the next key goes. */
        public MapElem value(MemorySegment value) {
            raw.pointer(16, value);
            return this;
        }

        public MapElem flags(long flags) {
            raw.u64(24, flags);
            return this;
        }
    }

    /**
     * BPF_PROG_LOAD: prog_type 0, insn_cnt 4, insns 8, license 16, log_level 24, log_size 28,
     * log_buf 32, prog_name 48 (16 bytes), expected_attach_type 68.
     */
    public static final class ProgLoad extends Attr {
        public ProgLoad(int type, int instructionCount, byte[] bytecode, String license, String name) {
            super(BpfCommand.BPF_PROG_LOAD);
            raw.u32(0, type).u32(4, instructionCount).pointer(8, buffer(bytecode))
                    .pointer(16, raw.string(license)).name(48, 16, name);
        }

        public ProgLoad expectedAttachType(int attachType) {
            raw.u32(68, attachType);
            return this;
        }

        public ProgLoad log(int level, MemorySegment buffer) {
            raw.u32(24, level).u32(28, (int) buffer.byteSize()).pointer(32, buffer);
            return this;
        }
    }

    /** BPF_PROG_ATTACH and BPF_PROG_DETACH: target_fd 0, attach_bpf_fd 4, attach_type 8, attach_flags 12, replace_bpf_fd 16. */
    public static final class ProgAttach extends Attr {
        public ProgAttach(BpfCommand command, int targetFd, int programFd, int attachType) {
            super(command);
            if (command != BpfCommand.BPF_PROG_ATTACH && command != BpfCommand.BPF_PROG_DETACH)
                throw new IllegalArgumentException(command + " is not attach or detach");
            raw.u32(0, targetFd).u32(4, programFd).u32(8, attachType);
        }

        public ProgAttach flags(int flags) {
            raw.u32(12, flags);
            return this;
        }

        public ProgAttach replacing(int programFd) {
            raw.u32(16, programFd);
            return this;
        }

        /**
         * The errno of BPF_PROG_ATTACH with {@code flags} and fds -1: the kernel checks the flags
         * before it looks at the fds, so EBADF means it knows them and EINVAL that it does not.
         */
        public static int probeFlags(int attachType, int flags) {
            try (ProgAttach a = new ProgAttach(BpfCommand.BPF_PROG_ATTACH, -1, -1, attachType).flags(flags)) {
                return (int) -a.callRaw();
            }
        }
    }

    /**
     * BPF_PROG_QUERY: target_fd 0, attach_type 4, query_flags 8, attach_flags 12 (out),
     * prog_ids 16, prog_cnt 24 (in: room, out: count), prog_attach_flags 32, revision 56 (out, 6.6+).
     */
    public static final class ProgQuery extends Attr {
        public ProgQuery(int targetFd, int attachType, int queryFlags, MemorySegment ids, int capacity) {
            super(BpfCommand.BPF_PROG_QUERY);
            raw.u32(0, targetFd).u32(4, attachType).u32(8, queryFlags).pointer(16, ids).u32(24, capacity);
        }

        public ProgQuery programFlags(MemorySegment flags) {
            raw.pointer(32, flags);
            return this;
        }

        public int attachFlags() {
            return raw.u32(12);
        }

        public int count() {
            return raw.u32(24);
        }

        /** 0 where the kernel reports none. */
        public long revision() {
            return raw.u64(56);
        }
    }

    /**
     * BPF_PROG_TEST_RUN: prog_fd 0, retval 4 (out), data_size_in 8, data_size_out 12 (in/out),
     * data_in 16, data_out 24, repeat 32, duration 36 (out), ctx_size_in 40, ctx_in 48.
     */
    public static final class ProgTestRun extends Attr {
        public ProgTestRun(int programFd, MemorySegment dataIn, MemorySegment dataOut, int repeat) {
            super(BpfCommand.BPF_PROG_TEST_RUN);
            raw.u32(0, programFd).u32(8, (int) dataIn.byteSize()).u32(12, (int) dataOut.byteSize())
                    .pointer(16, dataIn).pointer(24, dataOut).u32(32, repeat);
        }

        public ProgTestRun context(MemorySegment ctx) {
            raw.u32(40, (int) ctx.byteSize()).pointer(48, ctx);
            return this;
        }

        public int returnValue() {
            return raw.u32(4);
        }

        public int dataSizeOut() {
            return raw.u32(12);
        }

        public int durationNanos() {
            return raw.u32(36);
        }
    }

    /** BPF_PROG_GET_FD_BY_ID, BPF_MAP_GET_FD_BY_ID, BPF_LINK_GET_FD_BY_ID: the id at 0. */
    public static final class GetFdById extends Attr {
        public GetFdById(BpfCommand command, int id) {
            super(command);
            raw.u32(0, id);
        }
    }

    /** BPF_PROG_GET_NEXT_ID, BPF_MAP_GET_NEXT_ID, BPF_LINK_GET_NEXT_ID: start_id 0, next_id 4 (out). */
    public static final class GetNextId extends Attr {
        public GetNextId(BpfCommand command) {
            super(command);
        }

        public GetNextId after(int id) {
            raw.u32(0, id).u32(4, 0);
            return this;
        }

        public int next() {
            return raw.u32(4);
        }
    }

    /** BPF_OBJ_GET_INFO_BY_FD: bpf_fd 0, info_len 4, info 8. */
    public static final class ObjGetInfo extends Attr {
        public ObjGetInfo(int fd, MemorySegment info) {
            super(BpfCommand.BPF_OBJ_GET_INFO_BY_FD);
            raw.u32(0, fd).u32(4, (int) info.byteSize()).pointer(8, info);
        }
    }

    /** BPF_OBJ_PIN and BPF_OBJ_GET: pathname 0, bpf_fd 8 (pin only). */
    public static final class ObjPath extends Attr {
        public ObjPath(BpfCommand command, String path) {
            super(command);
            if (command != BpfCommand.BPF_OBJ_PIN && command != BpfCommand.BPF_OBJ_GET)
                throw new IllegalArgumentException(command + " is not pin or get");
            raw.pointer(0, raw.string(path));
        }

        public ObjPath fd(int fd) {
            raw.u32(8, fd);
            return this;
        }
    }

    /** BPF_LINK_CREATE: prog_fd 0, target_fd 4, attach_type 8, flags 12. */
    public static final class LinkCreate extends Attr {
        public LinkCreate(int programFd, int targetFd, int attachType) {
            super(BpfCommand.BPF_LINK_CREATE);
            raw.u32(0, programFd).u32(4, targetFd).u32(8, attachType);
        }
    }

    /** BPF_LINK_UPDATE: link_fd 0, new_prog_fd 4, flags 8, old_prog_fd 12. */
    public static final class LinkUpdate extends Attr {
        public LinkUpdate(int linkFd, int newProgramFd) {
            super(BpfCommand.BPF_LINK_UPDATE);
            raw.u32(0, linkFd).u32(4, newProgramFd);
        }

        /** Only if {@code programFd} is the link's current program (BPF_F_REPLACE). */
        public LinkUpdate expecting(int flags, int programFd) {
            raw.u32(8, flags).u32(12, programFd);
            return this;
        }
    }

    /** BPF_LINK_DETACH (5.9): link_fd 0. */
    public static final class LinkDetach extends Attr {
        public LinkDetach(int linkFd) {
            super(BpfCommand.BPF_LINK_DETACH);
            raw.u32(0, linkFd);
        }

        /** The errno of detaching fd -1: EBADF where the kernel knows the command, EINVAL where not. */
        public static int probe() {
            try (LinkDetach a = new LinkDetach(-1)) {
                return (int) -a.callRaw();
            }
        }
    }
}
