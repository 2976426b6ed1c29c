package dev.tollgate.bpf;

import dev.tollgate.bpf.sys.Attr;
import dev.tollgate.libc.Errno;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** One kernel map, owned through its file descriptor. */
public final class BpfMap implements AutoCloseable {
    /** Update flags of BPF_MAP_UPDATE_ELEM. */
    public static final long BPF_ANY = 0, BPF_NOEXIST = 1, BPF_EXIST = 2;

    private final Fd fd;
    private final MapInfo info;

    private BpfMap(Fd fd, MapInfo info) {
        this.fd = fd;
        this.info = info;
    }

    public static BpfMap create(MapSpec spec) {
        try (Attr.MapCreate a = new Attr.MapCreate(spec.type().value, spec.keySize(), spec.valueSize(),
                spec.maxEntries(), spec.flags(), spec.name())) {
            Fd fd = new Fd((int) a.call(spec.type() + " '" + spec.name() + "'"));
            try {
                return new BpfMap(fd, MapInfo.ofFd(fd.value()));
            } catch (RuntimeException e) {
                fd.close();
                throw e;
            }
        }
    }

    /** Opens the map pinned at {@code path} on bpffs. */
    public static BpfMap fromPin(Path path) {
        Fd fd = Pins.open(path);
        try {
            return new BpfMap(fd, MapInfo.ofFd(fd.value()));
        } catch (RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    public static BpfMap fromId(int id) {
        try (Attr.GetFdById a = new Attr.GetFdById(BpfCommand.BPF_MAP_GET_FD_BY_ID, id)) {
            Fd fd = new Fd((int) a.call("map id " + id));
            try {
                return new BpfMap(fd, MapInfo.ofFd(fd.value()));
            } catch (RuntimeException e) {
                fd.close();
                throw e;
            }
        }
    }

    public int fd() {
        return fd.value();
    }

    public MapInfo info() {
        return info;
    }

    public int id() {
        return info.id();
    }

    public String name() {
        return info.name();
    }

    /** Bytes of a value as user space sees it: per-CPU maps hold one 8-byte aligned slot per possible CPU. */
    public int userValueSize() {
        MapType t = MapType.of(info.type()).orElse(null);
        int v = info.valueSize();
        return t != null && t.perCpu() ? ((v + 7) & ~7) * PossibleCpus.count() : v;
    }

    public Optional<byte[]> lookup(byte[] key) {
        checkKey(key);
        try (Attr.MapElem a = new Attr.MapElem(BpfCommand.BPF_MAP_LOOKUP_ELEM, fd())) {
            MemorySegment value = a.buffer(userValueSize());
            a.key(a.buffer(key)).value(value);
            long r = a.callRaw();
            if (r == -Errno.ENOENT.number()) return Optional.empty();
            if (r < 0) throw new BpfException(BpfCommand.BPF_MAP_LOOKUP_ELEM, Errno.of((int) -r), describe());
            return Optional.of(value.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    public void update(byte[] key, byte[] value, long flags) {
        long r = updateRaw(key, value, flags);
        if (r < 0) throw new BpfException(BpfCommand.BPF_MAP_UPDATE_ELEM, Errno.of((int) -r), describe());
    }

    /**
     * Overwrites the value of a key that is there (BPF_EXIST); false, without an exception, if
     * the key is not (a cgroup storage entry the kernel has not made: most starts of a unit).
     */
    public boolean overwrite(byte[] key, byte[] value) {
        long r = updateRaw(key, value, BPF_EXIST);
        if (r == -Errno.ENOENT.number()) return false;
        if (r < 0) throw new BpfException(BpfCommand.BPF_MAP_UPDATE_ELEM, Errno.of((int) -r), describe());
        return true;
    }

    private long updateRaw(byte[] key, byte[] value, long flags) {
        checkKey(key);
        if (value.length != userValueSize())
            throw new IllegalArgumentException(describe() + ": value is " + value.length + " bytes, expected " + userValueSize());
        try (Attr.MapElem a = new Attr.MapElem(BpfCommand.BPF_MAP_UPDATE_ELEM, fd())) {
            a.key(a.buffer(key)).value(a.buffer(value)).flags(flags);
            return a.callRaw();
        }
    }

    public void update(byte[] key, byte[] value) {
        update(key, value, BPF_ANY);
    }

    /** Deletes a key; returns false if it was not there. */
    public boolean delete(byte[] key) {
        checkKey(key);
        try (Attr.MapElem a = new Attr.MapElem(BpfCommand.BPF_MAP_DELETE_ELEM, fd())) {
            a.key(a.buffer(key));
            long r = a.callRaw();
            if (r == -Errno.ENOENT.number()) return false;
            if (r < 0) throw new BpfException(BpfCommand.BPF_MAP_DELETE_ELEM, Errno.of((int) -r), describe());
            return true;
        }
    }

    /** The key after {@code key} (the first key for null), or empty at the end. */
    public Optional<byte[]> nextKey(byte[] key) {
        if (key != null) checkKey(key);
        try (Attr.MapElem a = new Attr.MapElem(BpfCommand.BPF_MAP_GET_NEXT_KEY, fd())) {
            MemorySegment next = a.buffer(info.keySize());
            a.key(key == null ? MemorySegment.NULL : a.buffer(key)).value(next);
            long r = a.callRaw();
            if (r == -Errno.ENOENT.number()) return Optional.empty();
            if (r < 0) throw new BpfException(BpfCommand.BPF_MAP_GET_NEXT_KEY, Errno.of((int) -r), describe());
            return Optional.of(next.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    /** Every key, in the kernel's iteration order. */
    public List<byte[]> keys() {
        List<byte[]> keys = new ArrayList<>();
        Optional<byte[]> k = nextKey(null);
        while (k.isPresent()) {
            keys.add(k.get());
            k = nextKey(k.get());
        }
        return keys;
    }

    /** A per-CPU value split into one slot per possible CPU (each {@code round_up(value_size, 8)} bytes). */
    public List<byte[]> lookupPerCpu(byte[] key) {
        int slot = (info.valueSize() + 7) & ~7;
        List<byte[]> slots = new ArrayList<>();
        lookup(key).ifPresent(all -> {
            for (int off = 0; off + slot <= all.length; off += slot) {
                byte[] s = new byte[info.valueSize()];
                System.arraycopy(all, off, s, 0, s.length);
                slots.add(s);
            }
        });
        return slots;
    }

    /**
     * Sums a per-CPU value made of u64 fields over every possible CPU; for a plain map returns
     * the fields as they are. Empty if the key is absent.
     */
    public Optional<long[]> lookupSummedU64(byte[] key) {
        Optional<byte[]> raw = lookup(key);
        if (raw.isEmpty()) return Optional.empty();
        int fields = info.valueSize() / 8;
        long[] sum = new long[fields];
        ByteBuffer b = ByteBuffer.wrap(raw.get()).order(ByteOrder.nativeOrder());
        int slot = (info.valueSize() + 7) & ~7;
        for (int off = 0; off + slot <= raw.get().length; off += slot) {
            for (int f = 0; f < fields; f++) sum[f] += b.getLong(off + f * 8);
        }
        return Optional.of(sum);
    }

    public void pin(Path path) {
        Pins.pin(fd(), path);
    }

    private void checkKey(byte[] key) {
        if (key.length != info.keySize())
            throw new IllegalArgumentException(describe() + ": key is " + key.length + " bytes, expected " + info.keySize());
    }

    private String describe() {
        return "map '" + info.name() + "' id " + info.id();
    }

    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return describe() + " " + fd;
    }
}
