/**
 * Varlink (varlink.org) over Unix sockets, with nothing of tollgate in it but the name of the
 * interface whose errors the server sends about the transport: framing and strict decoding
 * ({@link dev.tollgate.varlink.VarlinkCodec}, {@link dev.tollgate.varlink.VarlinkReader},
 * {@link dev.tollgate.varlink.VarlinkWriter}), a server with limits and peer credentials
 * ({@link dev.tollgate.varlink.VarlinkServer}), and a client
 * ({@link dev.tollgate.varlink.VarlinkClient}).
 */
package dev.tollgate.varlink;
