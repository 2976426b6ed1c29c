/**
 * Unit files: syntax, directives, exec lines and network lists. {@code units.directives} (the
 * per-section tables behind the parser) stays inside.
 */
module dev.tollgate.units {
    exports dev.tollgate.units;
    exports dev.tollgate.units.exec;
    exports dev.tollgate.units.net;
    exports dev.tollgate.units.syntax;
}
