package dev.tollgate.varlink;

import dev.tollgate.varlink.idl.InterfaceDescription;

/**
 * {@code org.varlink.service}, which every Varlink service provides: its description, method
 * names, and its standard errors.
 */
public final class OrgVarlinkService {
    public static final String INTERFACE = "org.varlink.service";
    public static final String GET_INFO = INTERFACE + ".GetInfo";
    public static final String GET_INTERFACE_DESCRIPTION = INTERFACE + ".GetInterfaceDescription";

    public static final String INTERFACE_NOT_FOUND = INTERFACE + ".InterfaceNotFound";
    public static final String METHOD_NOT_FOUND = INTERFACE + ".MethodNotFound";
    public static final String METHOD_NOT_IMPLEMENTED = INTERFACE + ".MethodNotImplemented";
    public static final String INVALID_PARAMETER = INTERFACE + ".InvalidParameter";
    public static final String PERMISSION_DENIED = INTERFACE + ".PermissionDenied";
    public static final String EXPECTED_MORE = INTERFACE + ".ExpectedMore";

    private static final InterfaceDescription DESCRIPTION =
            InterfaceDescription.fromResource(OrgVarlinkService.class, "org.varlink.service.varlink");

    private OrgVarlinkService() {}

    /** The interface's description, as varlink.org publishes it. */
    public static InterfaceDescription description() {
        return DESCRIPTION;
    }

    public static VarlinkError interfaceNotFound(String iface) {
        return VarlinkError.of(INTERFACE_NOT_FOUND, "interface", iface);
    }

    public static VarlinkError methodNotFound(String method) {
        return VarlinkError.of(METHOD_NOT_FOUND, "method", method);
    }

    public static VarlinkError methodNotImplemented(String method) {
        return VarlinkError.of(METHOD_NOT_IMPLEMENTED, "method", method);
    }

    public static VarlinkError invalidParameter(String parameter) {
        return VarlinkError.of(INVALID_PARAMETER, "parameter", parameter);
    }

    public static VarlinkError permissionDenied() {
        return VarlinkError.of(PERMISSION_DENIED);
    }

    public static VarlinkError expectedMore() {
        return VarlinkError.of(EXPECTED_MORE);
    }
}
