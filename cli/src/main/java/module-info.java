/** tollctl. Exports nothing. */
module dev.tollgate.cli {
    requires dev.tollgate.api;
    requires info.picocli;

    // picocli reads the commands' annotated fields; Jackson binds the JSON output's records.
    opens dev.tollgate.cli to info.picocli, com.fasterxml.jackson.databind;
}
