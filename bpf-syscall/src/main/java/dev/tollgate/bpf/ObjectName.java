package dev.tollgate.bpf;

/** The kernel's rule for program and map names (BPF_OBJ_NAME_LEN, bpf_obj_name_cpy). */
public final class ObjectName {
    public static final int MAX_LENGTH = 15;

    private ObjectName() {}

    public static String check(String name) {
        if (name == null) throw new IllegalArgumentException("object name is null");
        if (name.length() > MAX_LENGTH)
            throw new IllegalArgumentException("object name '" + name + "' is longer than " + MAX_LENGTH + " characters");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c == '_' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
                throw new IllegalArgumentException("object name '" + name + "' may hold only [A-Za-z0-9_.]");
        }
        return name;
    }

    /** Makes any text a valid object name: invalid characters become '_', cut to the limit. */
    public static String sanitize(String text) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < text.length() && b.length() < MAX_LENGTH; i++) {
            char c = text.charAt(i);
            boolean ok = c == '_' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            b.append(ok ? c : '_');
        }
        return b.toString();
    }
}
