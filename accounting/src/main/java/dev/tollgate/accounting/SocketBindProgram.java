package dev.tollgate.accounting;

import static dev.tollgate.bpf.asm.Register.R0;
import static dev.tollgate.bpf.asm.Register.R1;
import static dev.tollgate.bpf.asm.Register.R2;
import static dev.tollgate.bpf.asm.Register.R3;
import static dev.tollgate.bpf.asm.Register.R4;

import dev.tollgate.bpf.asm.Assembler;
import dev.tollgate.bpf.asm.Instructions;
import java.util.List;

/**
 * The bind4/bind6 program for SocketBindAllow=/SocketBindDeny=, with the rules compiled in
 * (at most 128 per list, so no map): allow first, then deny, else allow. Matching follows
 * systemd's socket-bind.bpf.c: family, protocol, and a port range that never matches port 0.
 */
public final class SocketBindProgram {
    // struct bpf_sock_addr
    private static final int USER_FAMILY = 0, USER_PORT = 24, PROTOCOL = 36;

    private SocketBindProgram() {}

    public static Instructions build(SocketBindRules rules) {
        Assembler a = new Assembler()
                .ldxw(R2, R1, USER_PORT)
                .be16(R2) // the port is in network order
                .ldxw(R3, R1, PROTOCOL)
                .ldxw(R4, R1, USER_FAMILY);
        rules(a, "allow", rules.allow(), "allowed");
        rules(a, "deny", rules.deny(), "denied");
        return a.label("allowed").mov(R0, 1).exit()
                .label("denied").mov(R0, 0).exit()
                .assemble();
    }

    private static void rules(Assembler a, String list, List<SocketBindRules.Rule> rules, String onMatch) {
        for (int i = 0; i < rules.size(); i++) {
            SocketBindRules.Rule r = rules.get(i);
            String next = list + "_" + (i + 1);
            if (r.family() != SocketBindRules.AF_ANY) a.jne(R4, r.family(), next);
            if (r.protocol() != SocketBindRules.PROTO_ANY) a.jne(R3, r.protocol(), next);
            if (r.portCount() > 0) {
                a.jlt(R2, r.portMin(), next);
                a.jge(R2, r.portMin() + r.portCount(), next);
            }
            a.ja(onMatch).label(next);
        }
    }
}
