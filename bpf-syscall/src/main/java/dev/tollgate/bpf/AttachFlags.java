package dev.tollgate.bpf;

import java.util.ArrayList;
import java.util.List;

/** attach_flags of BPF_PROG_ATTACH (include/uapi/linux/bpf.h). */
public final class AttachFlags {
    public static final int NONE = 0;
    public static final int ALLOW_OVERRIDE = 1;
    public static final int ALLOW_MULTI = 1 << 1;
    public static final int REPLACE = 1 << 2;
    public static final int BEFORE = 1 << 3;
    public static final int AFTER = 1 << 4;
    public static final int ID = 1 << 5;
    public static final int PREORDER = 1 << 6;

    private AttachFlags() {}

    /** As bpftool prints them: {@code multi}, {@code override}, or empty for none. */
    public static String describe(int flags) {
        List<String> names = new ArrayList<>();
        if ((flags & ALLOW_OVERRIDE) != 0) names.add("override");
        if ((flags & ALLOW_MULTI) != 0) names.add("multi");
        if ((flags & REPLACE) != 0) names.add("replace");
        if ((flags & PREORDER) != 0) names.add("preorder");
        int known = ALLOW_OVERRIDE | ALLOW_MULTI | REPLACE | PREORDER;
        if ((flags & ~known) != 0) names.add("0x" + Integer.toHexString(flags & ~known));
        return String.join(",", names);
    }
}
