package dev.tollgate.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.libc.Errno;
import org.junit.jupiter.api.Test;

class BpfExceptionTest {

    @Test
    void namesCommandErrnoAndMeaning() {
        BpfException e = new BpfException(BpfCommand.BPF_PROG_ATTACH, Errno.E2BIG, "prog to cgroup");
        assertThat(e.getMessage()).isEqualTo("BPF_PROG_ATTACH failed (prog to cgroup): E2BIG (7, Argument list too long)"
                + " - 64 programs are already attached at this cgroup level for this attach type");
    }

    @Test
    void carriesTheVerifierLog() {
        BpfException e = new BpfException(BpfCommand.BPF_PROG_LOAD, Errno.EACCES, "x", "0: (95) exit\nR0 !read_ok\n");
        assertThat(e.verifierLog()).contains("0: (95) exit\nR0 !read_ok\n");
        assertThat(e.getMessage()).endsWith("verifier log:\n0: (95) exit\nR0 !read_ok");
    }

    @Test
    void hintsSayWhatAnErrnoMeansForTheCommand() {
        assertThat(BpfException.hint(BpfCommand.BPF_PROG_ATTACH, Errno.EPERM)).contains("ALLOW_MULTI", "CAP_BPF");
        assertThat(BpfException.hint(BpfCommand.BPF_PROG_QUERY, Errno.ENOSPC)).contains("id buffer");
        assertThat(BpfException.hint(BpfCommand.BPF_MAP_CREATE, Errno.EBADF)).isNull();
    }
}
