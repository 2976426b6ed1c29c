/**
 * Varlink (varlink.org) over Unix sockets, with nothing of tollgate in it but the name of the
 * interface whose errors the server sends about the transport: framing and strict decoding
 * ({@link dev.tollgate.api.varlink.VarlinkCodec}, {@link dev.tollgate.api.varlink.VarlinkReader},
 * {@link dev.tollgate.api.varlink.VarlinkWriter}), a server with limits and peer credentials
 * ({@link dev.tollgate.api.varlink.VarlinkServer}), and a client
 * ({@link dev.tollgate.api.varlink.VarlinkClient}).
 */
package dev.tollgate.api.varlink;
