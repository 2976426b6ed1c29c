package dev.tollgate.daemon;

import dev.tollgate.units.LoadResult;
import dev.tollgate.units.UnitFileDiagnostic;
import dev.tollgate.units.UnitName;
import dev.tollgate.units.UnitSuffix;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Transient units (tollctl run, as systemd-run): the unit text made from the client's
 * properties and command, its file under the state directory, loaded like a unit file.
 */
final class TransientUnits {
    private final Units units;
    private final UnitLoading loading;
    private final TransientFiles files;

    TransientUnits(Units units, UnitLoading loading, TransientFiles files) {
        this.units = units;
        this.loading = loading;
        this.files = files;
    }

    /** The unit's text from the request; checked before anything is made (any thread). */
    static String text(UnitName n, Optional<String> slice, Optional<String> description, List<String> properties,
                       List<String> command) {
        // The description is the client's (tollctl run makes one up, as systemd-run does); without
        // one the unit has none, and its name stands for it.
        Optional<UnitName> sliceName = Optional.empty();
        if (slice.isPresent()) {
            String s = slice.get().endsWith(".slice") ? slice.get() : slice.get() + ".slice";
            sliceName = UnitName.parse(s).filter(x -> x.type() == UnitSuffix.SLICE);
            if (sliceName.isEmpty()) {
                throw new ManagerException(ManagerException.Kind.BAD_REQUEST, n.id(), "Slice name " + slice.get() + " is not valid.");
            }
        }
        StringBuilder text = new StringBuilder("[Unit]\n");
        description.ifPresent(d -> text.append("Description=").append(oneLine(d)).append('\n'));
        text.append("[Service]\n");
        sliceName.ifPresent(s -> text.append("Slice=").append(s.id()).append('\n'));
        for (String p : properties) {
            if (!p.contains("=")) throw new ManagerException(ManagerException.Kind.BAD_REQUEST, n.id(), "Property '" + p + "' is not KEY=VALUE.");
            text.append(oneLine(p)).append('\n');
        }
        text.append("ExecStart=");
        for (String a : command) text.append(quote(a)).append(' ');
        text.append('\n');
        return text.toString();
    }

    /**
     * Makes the unit on the loop: refused if a unit of that name exists (running, or with a
     * file); its file written and loaded. The loop makes one at a time, so two calls for one
     * name cannot both pass the check.
     */
    UnitRuntime make(UnitName n, java.util.function.Supplier<String> unitText) {
        UnitRuntime existing = units.get(n);
        if ((existing != null && (existing.isActiveOrActivating() || !existing.isTransient))
                || loading.loader().unitFiles().containsKey(n)) {
            throw new ManagerException(ManagerException.Kind.UNIT_EXISTS, n.id(), "Unit " + n + " already exists.");
        }
        String text = unitText.get();
        UnitRuntime u = units.getOrCreate(n);
        u.isTransient = true;
        u.transientText = text;
        try {
            files.write(n.id(), text);
        } catch (IOException e) {
            units.remove(u);
            throw new ManagerException(ManagerException.Kind.UNIT_FAILED, n.id(), "cannot write the transient unit file: " + e.getMessage());
        }
        List<UnitFileDiagnostic> errors = loading.load(u);
        if (!(u.load instanceof LoadResult.Loaded l)) {
            units.remove(u);
            files.remove(n.id());
            String why = u.load instanceof LoadResult.Failed f ? f.reason() : "cannot load";
            throw new ManagerException(ManagerException.Kind.INVALID_UNIT, n.id(), why
                    + (errors.isEmpty() ? "" : " " + errors.stream().map(Object::toString).toList()));
        }
        loading.ensureSlices();
        u.config = l.config();
        units.touched(u);
        return u;
    }

    /**
     * A client's text as one line of the unit text: the unit file syntax ends a line at CR and
     * NUL as well as at LF, so any of them would let a description or a property value start
     * a directive (or a section) of its own.
     */
    static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ').replace('\0', ' ');
    }

    /** One ExecStart= word that reads back as {@code arg}: C escapes for quotes, backslashes and control characters. */
    static String quote(String arg) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : arg.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                case '%' -> b.append("%%");
                case '$' -> b.append("$$");
                default -> {
                    if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
