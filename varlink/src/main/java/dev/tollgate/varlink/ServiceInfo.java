package dev.tollgate.varlink;

import java.util.List;
import java.util.Objects;

/** What {@code org.varlink.service.GetInfo} answers. */
public record ServiceInfo(String vendor, String product, String version, String url, List<String> interfaces) {
    public ServiceInfo {
        Objects.requireNonNull(vendor, "vendor");
        Objects.requireNonNull(product, "product");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(url, "url");
        interfaces = interfaces == null ? List.of() : List.copyOf(interfaces);
    }
}
