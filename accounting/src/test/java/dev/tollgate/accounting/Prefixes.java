package dev.tollgate.accounting;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/** Trie entries from text, for tests: "10.0.0.0/8" or "::1". */
final class Prefixes {
    private Prefixes() {}

    static PolicyTrie.Entry entry(String cidr, int flags) {
        try {
            String[] p = cidr.split("/");
            byte[] a = InetAddress.getByName(p[0]).getAddress();
            int len = p.length > 1 ? Integer.parseInt(p[1]) : a.length * 8;
            return new PolicyTrie.Entry(a, len, flags);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(cidr, e);
        }
    }

    static List<PolicyTrie.Entry> rules(List<String> allow, List<String> deny) {
        List<PolicyTrie.Entry> out = new ArrayList<>();
        for (String a : allow) out.add(entry(a, PolicyTrie.ALLOW));
        for (String d : deny) out.add(entry(d, PolicyTrie.DENY));
        return out;
    }

    static byte[] ip(String s) {
        try {
            return InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }
}
