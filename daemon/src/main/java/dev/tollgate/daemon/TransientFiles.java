package dev.tollgate.daemon;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;

/**
 * The files of transient units, as systemd keeps them in /run/systemd/transient: one per unit
 * under the daemon's state directory, written when the unit is made, so that its FragmentPath=
 * names a file that exists, and removed when the unit is forgotten. A file whose unit the
 * daemon no longer knows (it was inactive when the daemon last stopped) is removed at start-up.
 */
final class TransientFiles {
    private final Path dir;

    TransientFiles(Path stateDir) {
        this.dir = stateDir.resolve("transient");
    }

    /** Where the unit's file lives. */
    Path path(String unit) {
        return dir.resolve(unit);
    }

    /** Writes the unit's text (atomically: a reader sees the old file or the new one). */
    Path write(String unit, String text) throws IOException {
        Files.createDirectories(dir);
        Path file = path(unit);
        Path tmp = dir.resolve("." + unit + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    void remove(String unit) {
        try {
            Files.deleteIfExists(path(unit));
        } catch (IOException e) {
            Log.warning("cannot remove %s: %s", path(unit), e.getMessage());
        }
    }

    /** Removes every file but those of {@code known} units. */
    void removeAllBut(Set<String> known) {
        if (!Files.isDirectory(dir)) return;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                if (!known.contains(f.getFileName().toString())) Files.deleteIfExists(f);
            }
            if (known.isEmpty()) Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException e) {
            // A file was written meanwhile: the directory stays for it.
        } catch (IOException e) {
            Log.warning("cannot clean %s: %s", dir, e.getMessage());
        }
    }
}
