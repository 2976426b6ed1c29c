package dev.tollgate.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a process is called, for status and tree output, as systemd shows it: the command
 * name ({@code comm}) after a main PID, the command line under a cgroup. tollctl runs on the
 * daemon's host, so /proc is the daemon's /proc.
 */
public interface Processes {
    /** The short command name, or null when the process is gone. */
    String comm(int pid);

    /** The command line, arguments separated by spaces, or null when the process is gone. */
    String cmdline(int pid);

    /** /proc of this host. */
    Processes PROC = new Processes() {
        @Override
        public String comm(int pid) {
            try {
                return Files.readString(Path.of("/proc", Integer.toString(pid), "comm")).strip();
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        @Override
        public String cmdline(int pid) {
            try {
                byte[] raw = Files.readAllBytes(Path.of("/proc", Integer.toString(pid), "cmdline"));
                int end = raw.length;
                while (end > 0 && raw[end - 1] == 0) {
                    end--;
                }
                if (end == 0) {
                    // A kernel thread or a zombie: systemd shows the comm in brackets.
                    String comm = comm(pid);
                    return comm == null ? null : "[" + comm + "]";
                }
                for (int i = 0; i < end; i++) {
                    if (raw[i] == 0) {
                        raw[i] = ' ';
                    }
                }
                return new String(raw, 0, end, StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
    };

    /** Knows no process: for output that must not depend on the host. */
    Processes NONE = new Processes() {
        @Override
        public String comm(int pid) {
            return null;
        }

        @Override
        public String cmdline(int pid) {
            return null;
        }
    };
}
