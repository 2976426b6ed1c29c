/**
 * Network values of systemd.resource-control(5): IP prefixes and reduced address lists for
 * {@code IPAddressAllow=}/{@code IPAddressDeny=}, {@code SocketBindAllow=}/{@code SocketBindDeny=}
 * rules, and {@code BPFProgram=} references. Values only; how they reach the kernel is the
 * accounting module's business.
 */
package dev.tollgate.units.net;
