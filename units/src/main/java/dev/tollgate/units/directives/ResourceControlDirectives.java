package dev.tollgate.units.directives;

import dev.tollgate.units.Delegation;
import dev.tollgate.units.ResourceControl;
import dev.tollgate.units.UnitName;
import dev.tollgate.units.UnitSuffix;
import dev.tollgate.units.net.BpfAttachType;
import dev.tollgate.units.net.ForeignProgram;
import dev.tollgate.units.net.IpAddressList;
import dev.tollgate.units.net.IpFamily;
import dev.tollgate.units.net.IpPrefix;
import dev.tollgate.units.net.NetworkInterfaces;
import dev.tollgate.units.net.SocketBindRule;
import dev.tollgate.units.syntax.Assignment;
import dev.tollgate.units.syntax.Booleans;
import dev.tollgate.units.syntax.Words;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The resource-control directives of systemd.resource-control(5) that tollgate implements, shared
 * by {@code [Slice]} and {@code [Service]}: {@code Slice= IPAccounting=
 * IPAddressAllow= IPAddressDeny= IPIngressFilterPath= IPEgressFilterPath= BPFProgram=
 * SocketBindAllow= SocketBindDeny= RestrictNetworkInterfaces= Delegate=}, and tollgate's own {@code
 * IPDropEventRate=}. Lists add up over assignments and an empty assignment clears them.
 */
public final class ResourceControlDirectives {

    private ResourceControlDirectives() {}

    /** The resource-control settings while they are being read. */
    public static final class Draft {
        Optional<UnitName> slice = Optional.empty();
        boolean ipAccounting;
        final Set<IpPrefix> ipAddressAllow = new LinkedHashSet<>();
        final Set<IpPrefix> ipAddressDeny = new LinkedHashSet<>();
        final LinkedHashSet<Path> ipIngressFilterPath = new LinkedHashSet<>();
        final LinkedHashSet<Path> ipEgressFilterPath = new LinkedHashSet<>();
        final LinkedHashSet<ForeignProgram> bpfPrograms = new LinkedHashSet<>();
        final List<SocketBindRule> socketBindAllow = new ArrayList<>();
        final List<SocketBindRule> socketBindDeny = new ArrayList<>();
        Delegation delegate = Delegation.OFF;
        /** systemd's set: null until a valid name is added, again after the empty assignment. */
        Set<String> restrictInterfaces;
        boolean restrictInterfacesAllowList = false;
        dev.tollgate.units.net.IpDropEventRate ipDropEventRate = dev.tollgate.units.net.IpDropEventRate.DEFAULT;

        ResourceControl build() {
            return new ResourceControl(ipAccounting, IpAddressList.of(ipAddressAllow), IpAddressList.of(ipAddressDeny),
                    List.copyOf(ipIngressFilterPath), List.copyOf(ipEgressFilterPath), List.copyOf(bpfPrograms),
                    socketBindAllow, socketBindDeny, delegate,
                    restrictInterfaces == null ? new NetworkInterfaces(false, restrictInterfacesAllowList, List.of())
                            : new NetworkInterfaces(true, restrictInterfacesAllowList, List.copyOf(restrictInterfaces)),
                    ipDropEventRate);
        }
    }

    static void register(DirectiveTable t, String section) {
        t.add(section, "Slice", ResourceControlDirectives::slice);
        t.add(section, "IPAccounting", (d, a, c) -> Directives.bool(a, c).ifPresent(b -> d.resources.ipAccounting = b));
        t.add(section, "IPAddressAllow", (d, a, c) -> ipAddresses(d.resources.ipAddressAllow, a, c));
        t.add(section, "IPAddressDeny", (d, a, c) -> ipAddresses(d.resources.ipAddressDeny, a, c));
        t.add(section, "IPIngressFilterPath", (d, a, c) -> filterPath(d.resources.ipIngressFilterPath, a, c));
        t.add(section, "IPEgressFilterPath", (d, a, c) -> filterPath(d.resources.ipEgressFilterPath, a, c));
        t.add(section, "BPFProgram", ResourceControlDirectives::bpfProgram);
        t.add(section, "SocketBindAllow", (d, a, c) -> socketBind(d.resources.socketBindAllow, a, c));
        t.add(section, "SocketBindDeny", (d, a, c) -> socketBind(d.resources.socketBindDeny, a, c));
        t.add(section, "RestrictNetworkInterfaces", ResourceControlDirectives::restrictNetworkInterfaces);
        t.add(section, "Delegate", ResourceControlDirectives::delegate);
        t.add(section, "IPDropEventRate", ResourceControlDirectives::ipDropEventRate);
    }

    /**
     * {@code IPDropEventRate=RATE[/s] [BURST]}, {@code 0} or {@code off}; empty resets to the
     * default (100/s 1000). A bad value is warned about and ignored, as systemd treats a bad
     * value of its own directives; the last good assignment wins.
     */
    private static void ipDropEventRate(UnitDraft d, Assignment a, ParseContext c) {
        if (a.isEmpty()) {
            d.resources.ipDropEventRate = dev.tollgate.units.net.IpDropEventRate.DEFAULT;
            return;
        }
        String[] why = new String[1];
        Optional<dev.tollgate.units.net.IpDropEventRate> r = dev.tollgate.units.net.IpDropEventRate.parse(a.value(), why);
        if (r.isEmpty()) {
            c.warn("Invalid drop event rate '" + a.value() + "', ignoring: " + why[0]);
            return;
        }
        d.resources.ipDropEventRate = r.get();
    }

    /** {@code config_parse_unit_slice()}: a slice unit's name; a slice's own place follows from its name. */
    private static void slice(UnitDraft d, Assignment a, ParseContext c) {
        Optional<String> k = c.resolveName(a.value());
        if (k.isEmpty()) {
            return;
        }
        Optional<UnitName> n = UnitName.parse(k.get()).filter(x -> !x.isTemplate());
        if (n.isEmpty()) {
            c.warn("Failed to load slice unit " + k.get() + ", ignoring: Unit name " + k.get() + " is not valid.");
            return;
        }
        if (n.get().type() != UnitSuffix.SLICE || d.type == UnitSuffix.SLICE) {
            c.warn("Failed to assign slice " + n.get() + " to unit " + c.id() + ", ignoring: Invalid argument");
            return;
        }
        d.resources.slice = n;
    }

    /**
     * {@code config_parse_in_addr_prefixes()} (systemd 250+): whitespace-separated words taken
     * literally, the keywords {@code any}, {@code localhost} (and the other RFC 6761 spellings),
     * {@code link-local} and {@code multicast}, else {@code ADDRESS[/LENGTH]}; a bad word is
     * warned about and skipped, the others still count.
     */
    private static void ipAddresses(Set<IpPrefix> into, Assignment a, ParseContext c) {
        if (a.isEmpty()) {
            into.clear();
            return;
        }
        Words words = new Words(a.value());
        for (;;) {
            String word;
            try {
                word = words.next(Words.WHITESPACE, EnumSet.noneOf(Words.Flag.class));
            } catch (Words.InvalidWordException e) {
                c.warn("Invalid syntax, ignoring: " + a.value());
                return;
            }
            if (word == null) {
                return;
            }
            List<IpPrefix> entries = ipEntry(word);
            if (entries.isEmpty()) {
                c.warn("Address prefix is invalid, ignoring assignment: " + word);
                continue;
            }
            into.addAll(entries);
        }
    }

    /** One word of an IP address list: a keyword (two prefixes) or one prefix; empty if invalid. */
    public static List<IpPrefix> ipEntry(String word) {
        return switch (word) {
            case "any" -> List.of(IpPrefix.any(IpFamily.IPV4), IpPrefix.any(IpFamily.IPV6));
            case "link-local" -> List.of(IpPrefix.parse("169.254.0.0/16").orElseThrow(), IpPrefix.parse("fe80::/64").orElseThrow());
            case "multicast" -> List.of(IpPrefix.parse("224.0.0.0/4").orElseThrow(), IpPrefix.parse("ff00::/8").orElseThrow());
            default -> {
                if (isLocalhost(word)) {
                    yield List.of(IpPrefix.parse("127.0.0.0/8").orElseThrow(), IpPrefix.parse("::1/128").orElseThrow());
                }
                yield IpPrefix.parse(word).map(List::of).orElse(List.of());
            }
        };
    }

    /** systemd's {@code is_localhost()}: RFC 6761 local names and the "localdomain" variants. */
    static boolean isLocalhost(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.equals("localhost") || n.equals("localhost.") || n.equals("localhost.localdomain")
                || n.equals("localhost.localdomain.") || n.endsWith(".localhost") || n.endsWith(".localhost.")
                || n.endsWith(".localhost.localdomain") || n.endsWith(".localhost.localdomain.");
    }

    /** {@code config_parse_ip_filter_bpf_progs()}: the whole value is one absolute path; duplicates ignored. */
    private static void filterPath(LinkedHashSet<Path> into, Assignment a, ParseContext c) {
        if (a.isEmpty()) {
            into.clear();
            return;
        }
        c.resolveFull(a.value()).flatMap(v -> Directives.absolutePath(v, a, c)).ifPresent(into::add);
    }

    /** {@code config_parse_bpf_foreign_program()}: {@code TYPE:PATH}. */
    private static void bpfProgram(UnitDraft d, Assignment a, ParseContext c) {
        if (a.isEmpty()) {
            d.resources.bpfPrograms.clear();
            return;
        }
        Words w = new Words(a.value());
        String word;
        try {
            word = w.next(":", EnumSet.noneOf(Words.Flag.class));
        } catch (Words.InvalidWordException e) {
            c.warn("Failed to parse foreign BPF program, ignoring: " + a.value());
            return;
        }
        String rest = w.rest();
        if (word == null || rest.isEmpty()) {
            c.warn("Invalid syntax in BPFProgram=, ignoring: " + a.value());
            return;
        }
        Optional<BpfAttachType> type = BpfAttachType.fromSystemdName(word);
        if (type.isEmpty()) {
            c.warn("Unknown BPF attach type=" + word + ", ignoring: " + a.value());
            return;
        }
        c.resolveFull(rest).flatMap(v -> Directives.absolutePath(v, a, c))
                .ifPresent(p -> d.resources.bpfPrograms.add(new ForeignProgram(type.get(), p)));
    }

    /**
     * {@code config_parse_restrict_network_interfaces()} (systemd 250+): names, all allowed or,
     * after a leading {@code ~}, all denied. The first assignment to an empty set decides which;
     * a later assignment of the other kind removes its names from the set instead of adding
     * them (so {@code lo eth0} then {@code ~eth0} leaves the allow list {@code lo}); the empty
     * assignment resets. An invalid name is warned about and skipped. The set comes into being
     * with its first name and stays, even emptied ({@link NetworkInterfaces#configured()}).
     */
    private static void restrictNetworkInterfaces(UnitDraft d, Assignment a, ParseContext c) {
        ResourceControlDirectives.Draft r = d.resources;
        if (a.isEmpty()) {
            r.restrictInterfaces = null;
            return;
        }
        String value = a.value();
        boolean allow = true;
        if (value.startsWith("~")) {
            allow = false;
            value = value.substring(1);
        }
        if (r.restrictInterfaces == null || r.restrictInterfaces.isEmpty()) r.restrictInterfacesAllowList = allow;
        Words words = new Words(value);
        for (;;) {
            String word;
            try {
                word = words.next(Words.WHITESPACE, EnumSet.of(Words.Flag.UNQUOTE));
            } catch (Words.InvalidWordException e) {
                c.warn("Trailing garbage in " + a.key() + ", ignoring: " + a.value());
                return;
            }
            if (word == null) return;
            if (!NetworkInterfaces.validName(word)) {
                c.warn("Invalid interface name, ignoring: " + word);
                continue;
            }
            if (r.restrictInterfacesAllowList != allow) {
                if (r.restrictInterfaces != null) r.restrictInterfaces.remove(word);
            } else {
                if (r.restrictInterfaces == null) r.restrictInterfaces = new LinkedHashSet<>();
                r.restrictInterfaces.add(word);
            }
        }
    }

    /** {@code config_parse_cgroup_socket_bind()}: one rule per assignment. */
    private static void socketBind(List<SocketBindRule> into, Assignment a, ParseContext c) {
        if (a.isEmpty()) {
            into.clear();
            return;
        }
        Optional<SocketBindRule> rule = SocketBindRule.parse(a.value());
        if (rule.isEmpty()) {
            c.warn("Unable to parse " + a.key() + "= assignment, ignoring: " + a.value());
            return;
        }
        into.add(rule.get());
    }

    /**
     * {@code config_parse_delegate()}: a boolean (all controllers or none), or a list of
     * controllers added to those delegated so far; empty turns delegation on with no controllers.
     * Slices cannot delegate in systemd 252.
     */
    private static void delegate(UnitDraft d, Assignment a, ParseContext c) {
        if (d.type == UnitSuffix.SLICE) {
            c.warn("Delegate= setting not supported for this unit type, ignoring.");
            return;
        }
        if (a.isEmpty()) {
            d.resources.delegate = new Delegation.Controllers(new TreeSet<>());
            return;
        }
        Optional<Boolean> b = Booleans.parse(a.value());
        if (b.isPresent()) {
            d.resources.delegate = b.get() ? Delegation.ALL : Delegation.OFF;
            return;
        }
        List<String> words;
        try {
            words = Words.split(a.value(), EnumSet.of(Words.Flag.UNQUOTE));
        } catch (Words.InvalidWordException e) {
            c.warn("Invalid syntax, ignoring: " + a.value());
            return;
        }
        TreeSet<String> names = new TreeSet<>();
        for (String w : words) {
            if (Delegation.KNOWN_CONTROLLERS.contains(w)) {
                names.add(w);
            } else {
                c.warn("Invalid controller name '" + w + "', ignoring");
            }
        }
        switch (d.resources.delegate) {
            case Delegation.All all -> { }
            case Delegation.Controllers prev -> {
                names.addAll(prev.names());
                d.resources.delegate = new Delegation.Controllers(names);
            }
            case Delegation.Off off -> d.resources.delegate = new Delegation.Controllers(names);
        }
    }
}
