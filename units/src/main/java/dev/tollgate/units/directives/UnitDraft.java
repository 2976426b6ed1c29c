package dev.tollgate.units.directives;

import dev.tollgate.units.LogLevel;
import dev.tollgate.units.ResourceControl;
import dev.tollgate.units.ServiceConfig;
import dev.tollgate.units.ServiceSection;
import dev.tollgate.units.SliceConfig;
import dev.tollgate.units.UnitConfig;
import dev.tollgate.units.UnitName;
import dev.tollgate.units.UnitSources;
import dev.tollgate.units.UnitSuffix;
import dev.tollgate.units.exec.KillMode;
import dev.tollgate.units.exec.RestartPolicy;
import dev.tollgate.units.exec.ServiceType;
import dev.tollgate.units.net.SocketBindRule;
import dev.tollgate.units.syntax.Assignment;
import dev.tollgate.units.syntax.UnitFileSyntax;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One unit while its files are read: a draft per concern, filled by the directive tables, then
 * checked as systemd checks a unit after loading it ({@code service_verify()},
 * {@code slice_verify()}) and turned into its {@link UnitConfig}.
 */
public final class UnitDraft {

    final UnitSuffix type;
    final UnitSectionDirectives.Draft unit = new UnitSectionDirectives.Draft();
    final ResourceControlDirectives.Draft resources = new ResourceControlDirectives.Draft();
    final ExecDirectives.Draft exec = new ExecDirectives.Draft();
    final KillDirectives.Draft kill = new KillDirectives.Draft();
    final ServiceDirectives.Draft service = new ServiceDirectives.Draft();
    final InstallDirectives.Draft install = new InstallDirectives.Draft();

    private static final Map<UnitSuffix, DirectiveTable> TABLES = tables();

    public UnitDraft(UnitSuffix type) {
        if (!TABLES.containsKey(type)) {
            throw new IllegalArgumentException("tollgate does not read ." + type.suffix() + " units");
        }
        this.type = type;
    }

    /** The sections a unit file of this type has. */
    public static Set<String> sectionsOf(UnitSuffix type) {
        DirectiveTable t = TABLES.get(type);
        if (t == null) {
            throw new IllegalArgumentException("tollgate does not read ." + type.suffix() + " units");
        }
        return t.sections();
    }

    /**
     * Applies one file's entries in order. Unknown directives are warned about ({@code X-} ones
     * silently ignored); the first fatal problem stops the file, as in systemd.
     *
     * @return false if the unit failed
     */
    public boolean apply(List<UnitFileSyntax.Entry> entries, ParseContext ctx) {
        DirectiveTable table = TABLES.get(type);
        for (UnitFileSyntax.Entry e : entries) {
            switch (e) {
                case UnitFileSyntax.Entry.Note n -> ctx.add(n.diagnostic());
                case UnitFileSyntax.Entry.Assign as -> {
                    Assignment a = as.assignment();
                    ctx.at(a);
                    Optional<DirectiveTable.Parser> p = table.find(a.section(), a.key());
                    if (p.isPresent()) {
                        p.get().parse(this, a, ctx);
                    } else if (!a.key().startsWith("X-")) {
                        if (KnownDirectives.isKnownToSystemd(a.section(), a.key())) {
                            ctx.warn("Not implemented by tollgate, ignoring.");
                        } else {
                            ctx.warn("Unknown key '" + a.key() + "' in section [" + a.section() + "], ignoring.");
                        }
                    }
                }
            }
            if (ctx.failed()) {
                return false;
            }
        }
        return true;
    }

    /** The {@code [Install]} section read so far: what enabling the unit would do. */
    public dev.tollgate.units.InstallSection installSection() {
        return install.build();
    }

    /** Checks the unit as a whole and builds it; empty (with an error in {@code ctx}) if systemd would refuse it. */
    public Optional<UnitConfig> build(UnitName name, UnitSources sources, ParseContext ctx) {
        if (ctx.failed()) {
            return Optional.empty();
        }
        String section = type.sectionName();
        for (var list : List.of(Map.entry("SocketBindAllow", resources.socketBindAllow),
                Map.entry("SocketBindDeny", resources.socketBindDeny))) {
            if (list.getValue().size() > SocketBindRule.MAX_RULES) {
                ctx.reportUnit(LogLevel.ERROR, section, list.getKey() + "= has " + list.getValue().size()
                        + " rules, more than the " + SocketBindRule.MAX_RULES + " allowed. Refusing. (systemd would start the unit"
                        + " without any socket bind restriction; tollgate does not fail open.)");
                return Optional.empty();
            }
        }
        ResourceControl rc = resources.build();
        return switch (type) {
            case SLICE -> buildSlice(name, sources, rc, ctx);
            case SERVICE -> buildService(name, sources, rc, ctx);
            default -> throw new IllegalStateException(type.toString());
        };
    }

    private Optional<UnitConfig> buildSlice(UnitName name, UnitSources sources, ResourceControl rc, ParseContext ctx) {
        if (!name.isValidSliceName()) {
            ctx.reportUnit(LogLevel.ERROR, "Slice", "Slice name " + name + " is not valid. Refusing.");
            return Optional.empty();
        }
        return Optional.of(new SliceConfig(name, unit.build(), rc, install.build(), sources));
    }

    /** systemd's {@code service_verify()}, over the effective type. */
    private Optional<UnitConfig> buildService(UnitName name, UnitSources sources, ResourceControl rc, ParseContext ctx) {
        ServiceType t = service.effectiveType();
        boolean hasStart = !service.execStart.isEmpty();
        String refusal = null;
        if (!hasStart && service.execStop.isEmpty() && !unit.successAction) {
            refusal = "Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.";
        } else if (t != ServiceType.ONESHOT && !hasStart) {
            refusal = "Service has no ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.";
        } else if (!service.remainAfterExit && !hasStart && !unit.successAction) {
            refusal = "Service has no ExecStart= and no SuccessAction= settings and does not have RemainAfterExit=yes set. Refusing.";
        } else if (t != ServiceType.ONESHOT && service.execStart.size() > 1) {
            refusal = "Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.";
        } else if (t == ServiceType.ONESHOT
                && (service.restart == RestartPolicy.ALWAYS || service.restart == RestartPolicy.ON_SUCCESS)) {
            refusal = "Service has Restart= set to either always or on-success, which isn't allowed for Type=oneshot services. Refusing.";
        } else if (t == ServiceType.DBUS && !service.busName) {
            refusal = "Service is of type D-Bus but no D-Bus service name has been specified. Refusing.";
        } else if (exec.pam && kill.mode != KillMode.CONTROL_GROUP && kill.mode != KillMode.MIXED) {
            refusal = "Service has PAM enabled. Kill mode must be set to 'control-group' or 'mixed'. Refusing.";
        }
        if (refusal != null) {
            ctx.reportUnit(LogLevel.ERROR, "Service", refusal);
            return Optional.empty();
        }
        if (service.type.isEmpty() && !t.isSupported()) {
            ctx.reportUnit(LogLevel.WARNING, "Service",
                    "Type=" + t + " (implied by BusName=) is not supported by tollgate: the unit loads, but cannot be started.");
        }
        ServiceSection s = service.build();
        return Optional.of(new ServiceConfig(name, unit.build(), slice(name), rc, s, exec.build(), kill.build(),
                install.build(), sources));
    }

    /** {@code Slice=}, or systemd's {@code unit_set_default_slice()} for a system manager. */
    private UnitName slice(UnitName name) {
        if (resources.slice.isPresent()) {
            return resources.slice.get();
        }
        if (name.isInstance()) {
            Optional<UnitName> perTemplate = UnitName.parse("system-" + UnitName.escape(name.prefix()) + ".slice");
            if (perTemplate.isPresent()) {
                return perTemplate.get();
            }
        }
        return UnitName.SYSTEM_SLICE;
    }

    private static Map<UnitSuffix, DirectiveTable> tables() {
        Map<UnitSuffix, DirectiveTable> m = new EnumMap<>(UnitSuffix.class);

        DirectiveTable service = new DirectiveTable(Set.of("Unit", "Service", "Install"));
        UnitSectionDirectives.register(service);
        ResourceControlDirectives.register(service, "Service");
        ExecDirectives.register(service, "Service");
        KillDirectives.register(service, "Service");
        ServiceDirectives.register(service);
        InstallDirectives.register(service);
        m.put(UnitSuffix.SERVICE, service);

        DirectiveTable slice = new DirectiveTable(Set.of("Unit", "Slice", "Install"));
        UnitSectionDirectives.register(slice);
        ResourceControlDirectives.register(slice, "Slice");
        InstallDirectives.register(slice);
        m.put(UnitSuffix.SLICE, slice);
        return m;
    }
}
