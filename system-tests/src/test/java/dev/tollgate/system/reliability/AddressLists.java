package dev.tollgate.system.reliability;

import dev.tollgate.accounting.PinLayout;
import dev.tollgate.accounting.PolicyTrie;
import dev.tollgate.bpf.BpfMap;
import dev.tollgate.bpf.Bytes;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Address lists as a unit file writes them, as GetUnit reports them, and as the kernel holds them (a unit's pinned trie). */
final class AddressLists {
    private AddressLists() {}

    /** An address list as GetUnit reports it: "any" is 0.0.0.0/0 and ::/0, a bare address gets its /32 or /128. */
    static List<String> expanded(String list) {
        List<String> out = new ArrayList<>();
        for (String w : list.trim().split("\\s+")) {
            if (w.isEmpty()) continue;
            if (w.equals("any")) {
                out.add("0.0.0.0/0");
                out.add("::/0");
            } else if (w.contains("/")) {
                out.add(w);
            } else {
                out.add(w + (w.contains(":") ? "/128" : "/32"));
            }
        }
        return out;
    }

    /** The prefixes in a unit's pinned LPM trie (key: u32 prefixlen incl. 8 family bits, u8 family, address). */
    static Set<String> triePrefixes(Path bpffs, String unit) throws Exception {
        Path pin = new PinLayout(bpffs).unit(unit).resolve(PinLayout.POLICY);
        Set<String> out = new TreeSet<>();
        try (BpfMap trie = BpfMap.fromPin(pin)) {
            for (byte[] k : trie.keys()) {
                int len = Bytes.u32(k, 0) - PolicyTrie.FAMILY_BITS;
                byte[] a = Arrays.copyOfRange(k, 5, 5 + (k[4] == PolicyTrie.FAMILY_IPV4 ? 4 : 16));
                out.add(InetAddress.getByAddress(a).getHostAddress() + "/" + len);
            }
        }
        return out;
    }

    /** Prefixes as {@link #triePrefixes} spells them. */
    static Set<String> canonical(List<String> prefixes) throws IOException {
        Set<String> out = new TreeSet<>();
        for (String p : prefixes) {
            int slash = p.indexOf('/');
            out.add(InetAddress.getByName(p.substring(0, slash)).getHostAddress() + p.substring(slash));
        }
        return out;
    }
}
