/** The generic Varlink protocol: framing, server, client, IDL parser and validator. */
module dev.tollgate.varlink {
    requires transitive com.fasterxml.jackson.databind;
    requires dev.tollgate.libc; // getsockopt(SO_PEERCRED) (PeerCredentials)
    requires jdk.net; // SO_PEERCRED through ExtendedSocketOptions (PeerCredentials)

    exports dev.tollgate.varlink;
    exports dev.tollgate.varlink.idl;

    // Jackson binds the protocol's records (call, reply, error envelopes).
    opens dev.tollgate.varlink to com.fasterxml.jackson.databind;
}
