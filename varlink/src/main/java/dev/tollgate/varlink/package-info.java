/**
 * Varlink (varlink.org) over Unix sockets, for any interface: framing and strict decoding
 * ({@link dev.tollgate.varlink.VarlinkCodec}, {@link dev.tollgate.varlink.VarlinkReader},
 * {@link dev.tollgate.varlink.VarlinkWriter}), a server with limits and peer credentials
 * ({@link dev.tollgate.varlink.VarlinkServer}, which serves the interfaces its caller adds, and
 * {@code org.varlink.service}), and a client ({@link dev.tollgate.varlink.VarlinkClient}).
 */
package dev.tollgate.varlink;
