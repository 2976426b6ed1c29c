package dev.tollgate.units;

import dev.tollgate.units.net.ForeignProgram;
import dev.tollgate.units.net.IpAddressList;
import dev.tollgate.units.net.NetworkInterfaces;
import dev.tollgate.units.net.SocketBindRule;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The resource-control settings of systemd.resource-control(5) that tollgate implements, as the
 * unit itself sets them (a slice's lists are combined with its members' by the daemon, not here).
 *
 * @param ipIngressFilterPath pinned {@code cgroup_skb} programs, in order, without duplicates
 * @param bpfPrograms         {@code BPFProgram=} entries in order, without duplicates
 * @param socketBindAllow     at most {@link SocketBindRule#MAX_RULES} rules
 * @param restrictNetworkInterfaces {@code RestrictNetworkInterfaces=}, names not yet resolved
 * @param ipDropEventRate     {@code IPDropEventRate=} (tollgate's own): the unit's drop events
 */
public record ResourceControl(
        boolean ipAccounting,
        IpAddressList ipAddressAllow,
        IpAddressList ipAddressDeny,
        List<Path> ipIngressFilterPath,
        List<Path> ipEgressFilterPath,
        List<ForeignProgram> bpfPrograms,
        List<SocketBindRule> socketBindAllow,
        List<SocketBindRule> socketBindDeny,
        Delegation delegate,
        NetworkInterfaces restrictNetworkInterfaces,
        dev.tollgate.units.net.IpDropEventRate ipDropEventRate) {

    public static final ResourceControl DEFAULTS = new ResourceControl(false, IpAddressList.EMPTY, IpAddressList.EMPTY,
            List.of(), List.of(), List.of(), List.of(), List.of(), Delegation.OFF, NetworkInterfaces.NONE);

    /** With the default drop event rate. */
    public ResourceControl(boolean ipAccounting, IpAddressList ipAddressAllow, IpAddressList ipAddressDeny,
                           List<Path> ipIngressFilterPath, List<Path> ipEgressFilterPath, List<ForeignProgram> bpfPrograms,
                           List<SocketBindRule> socketBindAllow, List<SocketBindRule> socketBindDeny, Delegation delegate,
                           NetworkInterfaces restrictNetworkInterfaces) {
        this(ipAccounting, ipAddressAllow, ipAddressDeny, ipIngressFilterPath, ipEgressFilterPath, bpfPrograms,
                socketBindAllow, socketBindDeny, delegate, restrictNetworkInterfaces, dev.tollgate.units.net.IpDropEventRate.DEFAULT);
    }

    public ResourceControl {
        Objects.requireNonNull(ipAddressAllow, "ipAddressAllow");
        Objects.requireNonNull(ipAddressDeny, "ipAddressDeny");
        Objects.requireNonNull(delegate, "delegate");
        Objects.requireNonNull(restrictNetworkInterfaces, "restrictNetworkInterfaces");
        Objects.requireNonNull(ipDropEventRate, "ipDropEventRate");
        ipIngressFilterPath = List.copyOf(ipIngressFilterPath);
        ipEgressFilterPath = List.copyOf(ipEgressFilterPath);
        bpfPrograms = List.copyOf(bpfPrograms);
        socketBindAllow = List.copyOf(socketBindAllow);
        socketBindDeny = List.copyOf(socketBindDeny);
        if (socketBindAllow.size() > SocketBindRule.MAX_RULES || socketBindDeny.size() > SocketBindRule.MAX_RULES) {
            throw new IllegalArgumentException("more than " + SocketBindRule.MAX_RULES + " socket bind rules");
        }
    }

    /** Without {@code RestrictNetworkInterfaces=}, as before systemd 250. */
    public ResourceControl(boolean ipAccounting, IpAddressList ipAddressAllow, IpAddressList ipAddressDeny,
                           List<Path> ipIngressFilterPath, List<Path> ipEgressFilterPath, List<ForeignProgram> bpfPrograms,
                           List<SocketBindRule> socketBindAllow, List<SocketBindRule> socketBindDeny, Delegation delegate) {
        this(ipAccounting, ipAddressAllow, ipAddressDeny, ipIngressFilterPath, ipEgressFilterPath, bpfPrograms,
                socketBindAllow, socketBindDeny, delegate, NetworkInterfaces.NONE);
    }

    /** Whether the unit filters IP traffic at all (by address or by interface). */
    public boolean hasIpFirewall() {
        return !ipAddressAllow.isEmpty() || !ipAddressDeny.isEmpty() || restrictNetworkInterfaces.restricts();
    }
}
