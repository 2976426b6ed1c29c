package dev.tollgate.bpf.asm;

import static dev.tollgate.bpf.asm.OpCode.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prints eBPF bytecode the way the kernel does in its verifier log and bpftool in
 * {@code prog dump xlated}, following {@code kernel/bpf/disasm.c}: one line per instruction,
 * {@code <slot>: (<opcode>) <text>}, for example
 *
 * <pre>
 * 0: (bf) r6 = r1
 * 1: (18) r1 = map[fd:5]
 * 3: (85) call bpf_map_lookup_elem#1
 * 4: (15) if r0 == 0x0 goto pc+1
 * 5: (db) lock *(u64 *)(r0 +0) += r2
 * 6: (95) exit
 * </pre>
 *
 * <p>A 64-bit immediate load takes two slots and prints on the first, so the numbering skips one.
 * The kernel's verifier log hides map pointers; like bpftool we name the map instead:
 * {@code map[fd:N]} in bytecode we are about to load, {@code map[id:N]} in what the kernel hands
 * back ({@link #disassembleXlated}), {@code map[name:N]} in {@link Instructions#disassemble()}.
 *
 * <p>Any multiple of 8 bytes decodes: what the kernel would print as a BUG line we print the same
 * way, and registers above r10 print as numbers. Helper calls are named by id, as the kernel does;
 * in translated bytecode the kernel has replaced most helper ids by addresses, which then print as
 * {@code unknown#N} (or, by coincidence, as a wrong name).
 */
public final class Disassembler {
    private Disassembler() {
    }

    /** Raw bytecode, as given to {@code BPF_PROG_LOAD}; map loads show their fd. */
    public static String disassemble(byte[] code) {
        return render(slotsOf(code), MapNaming.FD, Map.of());
    }

    /**
     * Translated bytecode as {@code BPF_OBJ_GET_INFO_BY_FD} returns it in
     * {@code xlated_prog_insns}, where the kernel has replaced each map fd by the map's id.
     */
    public static String disassembleXlated(byte[] code) {
        return render(slotsOf(code), MapNaming.ID, Map.of());
    }

    /** Decoded slots; map loads show whatever their immediate holds as an fd. */
    public static String disassemble(List<Instruction> slots) {
        return disassemble(slots, Map.of());
    }

    static String disassemble(List<Instruction> slots, Map<Integer, String> mapNames) {
        return render(slots.stream().map(Slot::of).toList(), MapNaming.FD, mapNames);
    }

    /**
     * The text of one instruction without its slot number, e.g. {@code (b7) r0 = 1}.
     * {@code second} is the second slot of a 64-bit immediate load, and ignored (may be null)
     * for every other instruction.
     */
    public static String format(Instruction insn, Instruction second) {
        Slot s = Slot.of(insn);
        if (s.code() != LD_IMM64) {
            return format(s);
        }
        if (second == null) {
            throw new IllegalArgumentException("a 64-bit immediate load needs its second slot");
        }
        return fmt("(%02x) r%d = %s", s.code(), s.dst(), ldImm64(s, Slot.of(second), MapNaming.FD, null));
    }

    private enum MapNaming { FD, ID }

    /** An instruction's fields as plain numbers, so that any byte pattern can be printed. */
    private record Slot(int code, int dst, int src, int off, int imm) {
        static Slot of(Instruction insn) {
            return new Slot(insn.code(), insn.dst().number(), insn.src().number(), insn.offset(), insn.imm());
        }

        int cls() {
            return classOf(code);
        }

        String size() {
            return switch (sizeOf(code)) {
                case W -> "u32";
                case H -> "u16";
                case B -> "u8";
                default -> "u64";
            };
        }

        String signedSize() {
            return switch (sizeOf(code)) {
                case W -> "s32";
                case H -> "s16";
                case B -> "s8";
                default -> null;
            };
        }
    }

    private static List<Slot> slotsOf(byte[] code) {
        if (code.length % Instruction.SIZE != 0) {
            throw new IllegalArgumentException(
                    "bytecode length " + code.length + " is not a multiple of " + Instruction.SIZE);
        }
        List<Slot> slots = new ArrayList<>(code.length / Instruction.SIZE);
        for (int at = 0; at < code.length; at += Instruction.SIZE) {
            int regs = code[at + 1] & 0xff;
            short off = (short) ((code[at + 2] & 0xff) | (code[at + 3] & 0xff) << 8);
            int imm = (code[at + 4] & 0xff) | (code[at + 5] & 0xff) << 8
                    | (code[at + 6] & 0xff) << 16 | (code[at + 7] & 0xff) << 24;
            slots.add(new Slot(code[at] & 0xff, regs & 0x0f, regs >>> 4, off, imm));
        }
        return slots;
    }

    private static String render(List<Slot> slots, MapNaming naming, Map<Integer, String> mapNames) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < slots.size(); i++) {
            Slot s = slots.get(i);
            out.append(i).append(": ");
            if (s.code() == LD_IMM64) {
                if (i + 1 >= slots.size()) {
                    throw new IllegalArgumentException(
                            "the 16-byte 64-bit immediate load at slot " + i + " is cut off by the end of the code");
                }
                out.append(fmt("(%02x) r%d = %s",
                        s.code(), s.dst(), ldImm64(s, slots.get(i + 1), naming, mapNames.get(i))));
                i++;
            } else {
                out.append(format(s));
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static String ldImm64(Slot first, Slot second, MapNaming naming, String mapName) {
        boolean mapFd = first.src() == PSEUDO_MAP_FD;
        if (mapFd || first.src() == PSEUDO_MAP_VALUE) {
            String map = mapName != null
                    ? "map[name:" + mapName + "]"
                    : "map[" + (naming == MapNaming.ID ? "id" : "fd") + ":" + Integer.toUnsignedString(first.imm()) + "]";
            return mapFd ? map : map + "[0]+" + Integer.toUnsignedString(second.imm());
        }
        long value = (long) second.imm() << 32 | (first.imm() & 0xffff_ffffL);
        return "0x" + Long.toHexString(value);
    }

    private static final String[] ALU_OPS = {
        "+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=", "endian", null, null,
    };

    private static final String[] JMP_OPS = {
        "jmp", "==", ">", ">=", "&", "!=", "s>", "s>=", "call", "exit", "<", "<=", "s<", "s<=", null, null,
    };

    private static String format(Slot s) {
        String text = switch (s.cls()) {
            case ALU, ALU64 -> alu(s);
            case STX -> stx(s);
            case ST -> st(s);
            case LDX -> ldx(s);
            case LD -> ld(s);
            default -> jump(s);
        };
        // The kernel's BUG lines carry no opcode prefix.
        return text.startsWith("BUG_") ? text : fmt("(%02x) %s", s.code(), text);
    }

    private static String alu(Slot s) {
        char w = s.cls() == ALU ? 'w' : 'r';
        int op = opOf(s.code());
        if (op == END) {
            return s.cls() == ALU64
                    ? fmt("r%d = bswap%d r%d", s.dst(), s.imm(), s.dst())
                    : fmt("r%d = %s%d r%d", s.dst(), sourceOf(s.code()) == TO_BE ? "be" : "le", s.imm(), s.dst());
        }
        if (op == NEG) {
            return fmt("%c%d = -%c%d", w, s.dst(), w, s.dst());
        }
        if (s.code() == (ALU64 | MOV | X) && s.off() == 1) {
            return fmt("r%d = addr_space_cast(r%d, %d, %d)", s.dst(), s.src(), s.imm() >>> 16, s.imm() & 0xffff);
        }
        String symbol = (op == DIV || op == MOD) && s.off() == 1 ? "s" + ALU_OPS[op >> 4] : ALU_OPS[op >> 4];
        if (symbol == null) {
            return fmt("BUG_alu_%02x", s.code());
        }
        if (sourceOf(s.code()) == X) {
            String signExtend = op == MOV ? switch (s.off()) {
                case 8 -> "(s8)";
                case 16 -> "(s16)";
                case 32 -> "(s32)";
                default -> "";
            } : "";
            return fmt("%c%d %s %s%c%d", w, s.dst(), symbol, signExtend, w, s.src());
        }
        return fmt("%c%d %s %d", w, s.dst(), symbol, s.imm());
    }

    private static String stx(Slot s) {
        int mode = modeOf(s.code());
        if (mode == MEM) {
            return fmt("*(%s *)(r%d %+d) = r%d", s.size(), s.dst(), s.off(), s.src());
        }
        if (mode != ATOMIC) {
            return fmt("BUG_%02x", s.code());
        }
        String bits = sizeOf(s.code()) == DW ? "64" : "";
        int imm = s.imm();
        return switch (imm) {
            case ADD, AND, OR, XOR -> fmt("lock *(%s *)(r%d %+d) %s r%d",
                    s.size(), s.dst(), s.off(), ALU_OPS[imm >> 4], s.src());
            case ADD | FETCH, AND | FETCH, OR | FETCH, XOR | FETCH -> fmt(
                    "r%d = atomic%s_fetch_%s((%s *)(r%d %+d), r%d)", s.src(), bits, atomicName(imm & 0xf0),
                    s.size(), s.dst(), s.off(), s.src());
            case CMPXCHG -> fmt("r0 = atomic%s_cmpxchg((%s *)(r%d %+d), r0, r%d)",
                    bits, s.size(), s.dst(), s.off(), s.src());
            case XCHG -> fmt("r%d = atomic%s_xchg((%s *)(r%d %+d), r%d)",
                    s.src(), bits, s.size(), s.dst(), s.off(), s.src());
            case LOAD_ACQ -> fmt("r%d = load_acquire((%s *)(r%d %+d))", s.dst(), s.size(), s.src(), s.off());
            case STORE_REL -> fmt("store_release((%s *)(r%d %+d), r%d)", s.size(), s.dst(), s.off(), s.src());
            default -> fmt("BUG_%02x", s.code());
        };
    }

    private static String atomicName(int op) {
        return switch (op) {
            case ADD -> "add";
            case AND -> "and";
            case OR -> "or";
            default -> "xor";
        };
    }

    private static String st(Slot s) {
        return switch (modeOf(s.code())) {
            case MEM -> fmt("*(%s *)(r%d %+d) = %d", s.size(), s.dst(), s.off(), s.imm());
            // BPF_NOSPEC: a speculation barrier the verifier inserts; it has no UAPI name.
            case 0xc0 -> "nospec";
            default -> fmt("BUG_st_%02x", s.code());
        };
    }

    private static String ldx(Slot s) {
        int mode = modeOf(s.code());
        String type = mode == MEM ? s.size() : mode == MEMSX ? s.signedSize() : null;
        if (type == null) {
            return fmt("BUG_ldx_%02x", s.code());
        }
        return fmt("r%d = *(%s *)(r%d %+d)", s.dst(), type, s.src(), s.off());
    }

    private static String ld(Slot s) {
        return switch (modeOf(s.code())) {
            case ABS -> fmt("r0 = *(%s *)skb[%d]", s.size(), s.imm());
            case IND -> fmt("r0 = *(%s *)skb[r%d + %d]", s.size(), s.src(), s.imm());
            default -> fmt("BUG_ld_%02x", s.code());
        };
    }

    private static String jump(Slot s) {
        char w = s.cls() == JMP32 ? 'w' : 'r';
        int op = opOf(s.code());
        if (op == CALL) {
            if (s.src() == PSEUDO_CALL) {
                return fmt("call pc%+d", s.imm());
            }
            String name = s.src() == 0
                    ? Helper.byId(s.imm()).map(Helper::kernelName).orElse("unknown")
                    : s.src() == PSEUDO_KFUNC_CALL ? "kernel-function" : "unknown";
            return fmt("call %s#%d", name, s.imm());
        }
        if (s.code() == (JMP | JA)) {
            return fmt("goto pc%+d", s.off());
        }
        if (s.code() == (JMP | JCOND) && s.src() == 0) {
            return fmt("may_goto pc%+d", s.off());
        }
        if (s.code() == (JMP32 | JA)) {
            return fmt("gotol pc%+d", s.imm());
        }
        if (s.code() == (JMP | EXIT)) {
            return "exit";
        }
        String symbol = JMP_OPS[op >> 4];
        if (symbol == null) {
            return fmt("BUG_jmp_%02x", s.code());
        }
        if (sourceOf(s.code()) == X) {
            return fmt("if %c%d %s %c%d goto pc%+d", w, s.dst(), symbol, w, s.src(), s.off());
        }
        return fmt("if %c%d %s 0x%x goto pc%+d", w, s.dst(), symbol, s.imm(), s.off());
    }

    // The kernel prints ASCII digits whatever the locale; so must we.
    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
