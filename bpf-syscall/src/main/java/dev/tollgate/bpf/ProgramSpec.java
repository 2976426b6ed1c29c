package dev.tollgate.bpf;

import java.util.Objects;

/**
 * What to load: type, name, license, the attach type the program expects (needed by
 * sock_addr hooks and egress programs that return 2/3; null for none), the bytecode with map
 * fds already in place, and the verifier log level (0: a log is fetched only on failure).
 */
public record ProgramSpec(ProgramType type, String name, String license, AttachType expectedAttachType,
                          byte[] bytecode, int logLevel) {
    public ProgramSpec {
        Objects.requireNonNull(type, "type");
        ObjectName.check(name);
        Objects.requireNonNull(license, "license");
        if (bytecode.length == 0 || bytecode.length % 8 != 0)
            throw new IllegalArgumentException("program '" + name + "': bytecode must be a non-empty multiple of 8 bytes");
        if (logLevel < 0 || logLevel > 7) throw new IllegalArgumentException("log level must be 0..7");
        bytecode = bytecode.clone();
    }

    public ProgramSpec(ProgramType type, String name, AttachType expectedAttachType, byte[] bytecode) {
        this(type, name, "GPL", expectedAttachType, bytecode, 0);
    }

    /** Encodes assembled instructions, putting each referenced map's fd in place. */
    public static ProgramSpec assembled(ProgramType type, String name, AttachType expectedAttachType,
                                        dev.tollgate.bpf.asm.Instructions insns, java.util.Map<String, BpfMap> maps) {
        return new ProgramSpec(type, name, "GPL", expectedAttachType, insns.encode(mapName -> {
            BpfMap m = maps.get(mapName);
            if (m == null) throw new IllegalArgumentException("program '" + name + "' references unknown map '" + mapName + "'");
            return m.fd();
        }), 0);
    }

    public int instructionCount() {
        return bytecode.length / 8;
    }

    public ProgramSpec withLogLevel(int level) {
        return new ProgramSpec(type, name, license, expectedAttachType, bytecode, level);
    }

    @Override
    public byte[] bytecode() {
        return bytecode.clone();
    }
}
