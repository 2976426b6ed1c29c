package dev.tollgate.daemon;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A service's User=/Group=, resolved to numbers from /etc/passwd and /etc/group (names or
 * numbers, as systemd accepts them). NSS sources other than the files are not consulted.
 */
public record Credentials(int uid, int gid, String userName, Path home, String shell) {
    public static final Credentials ROOT = new Credentials(0, 0, "root", Path.of("/root"), "/bin/sh");

    public static Credentials resolve(Optional<String> user, Optional<String> group) {
        return resolve(user, group, Path.of("/etc/passwd"), Path.of("/etc/group"));
    }

    static Credentials resolve(Optional<String> user, Optional<String> group, Path passwd, Path groups) {
        Credentials c = ROOT;
        if (user.isPresent()) {
            String u = user.get();
            Optional<String[]> entry = find(passwd, u, 2);
            if (entry.isPresent()) {
                String[] f = entry.get();
                c = new Credentials(Integer.parseInt(f[2]), Integer.parseInt(f[3]), f[0], Path.of(f[5]), f[6]);
            } else if (u.matches("[0-9]+")) {
                int uid = Integer.parseInt(u);
                c = new Credentials(uid, uid, u, Path.of("/"), "/bin/sh");
            } else {
                throw new IllegalArgumentException("User=" + u + ": no such user in " + passwd);
            }
        }
        if (group.isPresent()) {
            String g = group.get();
            Optional<String[]> entry = find(groups, g, 2);
            int gid;
            if (entry.isPresent()) gid = Integer.parseInt(entry.get()[2]);
            else if (g.matches("[0-9]+")) gid = Integer.parseInt(g);
            else throw new IllegalArgumentException("Group=" + g + ": no such group in " + groups);
            c = new Credentials(c.uid, gid, c.userName, c.home, c.shell);
        }
        return c;
    }

    /** The line whose name (field 0) or id (field idField) is {@code key}. */
    private static Optional<String[]> find(Path file, String key, int idField) {
        List<String> lines;
        try {
            lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.split(":", -1);
            if (f.length > idField && (f[0].equals(key) || f[idField].equals(key))) return Optional.of(f);
        }
        return Optional.empty();
    }

    public boolean isRoot() {
        return uid == 0 && gid == 0;
    }
}
