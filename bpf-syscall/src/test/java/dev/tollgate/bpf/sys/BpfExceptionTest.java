package dev.tollgate.bpf.sys;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BpfExceptionTest {

    @Test
    void namesCommandErrnoAndMeaning() {
        BpfException e = new BpfException(BpfCommand.BPF_PROG_ATTACH, new Errno(Errno.E2BIG), "prog to cgroup");
        assertThat(e.getMessage()).isEqualTo("BPF_PROG_ATTACH failed (prog to cgroup): E2BIG (7, Argument list too long)"
                + " - 64 programs are already attached at this cgroup level for this attach type");
    }

    @Test
    void carriesTheVerifierLog() {
        BpfException e = new BpfException(BpfCommand.BPF_PROG_LOAD, new Errno(Errno.EACCES), "x", "0: (95) exit\nR0 !read_ok\n");
        assertThat(e.verifierLog()).contains("0: (95) exit\nR0 !read_ok\n");
        assertThat(e.getMessage()).endsWith("verifier log:\n0: (95) exit\nR0 !read_ok");
    }

    @Test
    void everyCommonErrnoHasAName() {
        for (int v : new int[] {Errno.EPERM, Errno.ENOENT, Errno.E2BIG, Errno.EBADF, Errno.EINVAL, Errno.ENOSPC,
                Errno.EEXIST, Errno.EACCES, Errno.ENOLINK, Errno.ENOTSUPP, Errno.EOPNOTSUPP}) {
            assertThat(new Errno(v).name()).startsWith("E");
            assertThat(new Errno(v).description()).isNotEqualTo("unknown error");
        }
        assertThat(new Errno(4242).toString()).isEqualTo("errno 4242 (4242, unknown error)");
        assertThat(BpfException.hint(BpfCommand.BPF_PROG_ATTACH, Errno.EPERM)).contains("ALLOW_MULTI", "CAP_BPF");
        assertThat(BpfException.hint(BpfCommand.BPF_PROG_QUERY, Errno.ENOSPC)).contains("id buffer");
        assertThat(BpfException.hint(BpfCommand.BPF_MAP_CREATE, Errno.EBADF)).isNull();
    }
}
