package dev.tollgate.cgroup;

/**
 * What {@code cgroup.events} says.
 *
 * @param populated the cgroup or a descendant holds a live process
 * @param frozen the cgroup is frozen (all its processes stopped by {@code cgroup.freeze})
 */
public record CgroupEvents(boolean populated, boolean frozen) {
    public static final CgroupEvents EMPTY = new CgroupEvents(false, false);

    /** Parses the file's {@code key value} lines; keys the kernel may add later are ignored. */
    static CgroupEvents parse(String text) {
        boolean populated = false;
        boolean frozen = false;
        for (String line : text.split("\n")) {
            String[] kv = line.trim().split("\\s+");
            if (kv.length != 2) continue;
            switch (kv[0]) {
                case "populated" -> populated = kv[1].equals("1");
                case "frozen" -> frozen = kv[1].equals("1");
                default -> { }
            }
        }
        return new CgroupEvents(populated, frozen);
    }
}
