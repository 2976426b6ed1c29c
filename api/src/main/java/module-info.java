/** The io.tollgate.Manager interface: its description, records, errors and client. */
module dev.tollgate.api {
    requires transitive dev.tollgate.varlink;

    exports dev.tollgate.api;

    // Jackson binds the interface's records.
    opens dev.tollgate.api to com.fasterxml.jackson.databind;
}
