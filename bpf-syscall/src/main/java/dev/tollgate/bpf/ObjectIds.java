package dev.tollgate.bpf;

import dev.tollgate.bpf.sys.Attr;
import dev.tollgate.libc.Errno;
import java.util.ArrayList;
import java.util.List;

/** The ids of every program, map and link in the kernel (BPF_*_GET_NEXT_ID). */
public final class ObjectIds {
    private ObjectIds() {}

    public static List<Integer> programs() {
        return walk(BpfCommand.BPF_PROG_GET_NEXT_ID);
    }

    public static List<Integer> maps() {
        return walk(BpfCommand.BPF_MAP_GET_NEXT_ID);
    }

    public static List<Integer> links() {
        return walk(BpfCommand.BPF_LINK_GET_NEXT_ID);
    }

    private static List<Integer> walk(BpfCommand command) {
        List<Integer> ids = new ArrayList<>();
        int id = 0;
        try (Attr.GetNextId a = new Attr.GetNextId(command)) {
            while (true) {
                long r = a.after(id).callRaw();
                if (r == -Errno.ENOENT.number()) return ids;
                if (r < 0) throw new BpfException(command, Errno.of((int) -r), "after id " + id);
                id = a.next();
                ids.add(id);
            }
        }
    }
}
