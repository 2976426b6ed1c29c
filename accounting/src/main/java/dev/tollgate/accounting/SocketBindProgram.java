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
 *
 * <p>The verifier refuses a program with an instruction no path reaches, so only reachable
 * code is emitted: nothing after a rule that matches every bind (as {@code any} does), and a
 * verdict only where a rule jumps to it or the code falls into it. Allow rules with no deny
 * rule after them decide nothing (every bind is allowed either way), and neither do deny
 * rules after an allow rule that matches everything: such a program is a bare "allow".
 */
public final class SocketBindProgram {
    // struct bpf_sock_addr
    private static final int USER_FAMILY = 0, USER_PORT = 24, PROTOCOL = 36;
    private static final int ALLOW = 1, DENY = 0;

    private SocketBindProgram() {}

    public static Instructions build(SocketBindRules rules) {
        List<SocketBindRules.Rule> allow = upToFirstCatchAll(rules.allow());
        List<SocketBindRules.Rule> deny = allow.stream().anyMatch(SocketBindProgram::matchesAll)
                ? List.of() : upToFirstCatchAll(rules.deny());
        Assembler a = new Assembler();
        if (deny.isEmpty()) {
            // Allow rules alone change no verdict: the default is allow.
            return a.mov(R0, ALLOW).exit().assemble();
        }
        a.ldxw(R2, R1, USER_PORT)
                .be16(R2) // the port is in network order
                .ldxw(R3, R1, PROTOCOL)
                .ldxw(R4, R1, USER_FAMILY);
        rules(a, "allow", allow, "allowed");
        boolean denyAll = matchesAll(deny.getLast());
        rules(a, "deny", denyAll ? deny.subList(0, deny.size() - 1) : deny, "denied");
        // Here every rule has been tried: the default (allow), unless the last deny rule matches
        // everything, in which case the code falls into "denied".
        if (denyAll) {
            a.label("denied").mov(R0, DENY).exit();
            if (!allow.isEmpty()) a.label("allowed").mov(R0, ALLOW).exit();
        } else {
            a.label("allowed").mov(R0, ALLOW).exit();
            a.label("denied").mov(R0, DENY).exit();
        }
        return a.assemble();
    }

    /** The rules up to and including the first that matches every bind: later ones are never reached. */
    private static List<SocketBindRules.Rule> upToFirstCatchAll(List<SocketBindRules.Rule> rules) {
        for (int i = 0; i < rules.size(); i++) if (matchesAll(rules.get(i))) return rules.subList(0, i + 1);
        return rules;
    }

    private static boolean matchesAll(SocketBindRules.Rule r) {
        return r.family() == SocketBindRules.AF_ANY && r.protocol() == SocketBindRules.PROTO_ANY && r.portCount() == 0;
    }

    private static void rules(Assembler a, String list, List<SocketBindRules.Rule> rules, String onMatch) {
        for (int i = 0; i < rules.size(); i++) {
            SocketBindRules.Rule r = rules.get(i);
            if (matchesAll(r)) {
                a.ja(onMatch); // the last of its list (upToFirstCatchAll): nothing follows it
                continue;
            }
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
