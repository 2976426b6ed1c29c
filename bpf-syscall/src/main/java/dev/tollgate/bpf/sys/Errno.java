package dev.tollgate.bpf.sys;

/** The errno values bpf(2) and its neighbours return, with their names and libc text. */
public record Errno(int value) {
    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, E2BIG = 7,
            EBADF = 9, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16,
            EEXIST = 17, ENOTDIR = 20, EINVAL = 22, ENOSPC = 28, ERANGE = 34, ENOSYS = 38,
            ENOTEMPTY = 39, ELOOP = 40, ENOLINK = 67, EOPNOTSUPP = 95, ENOTSUPP = 524;

    public String name() {
        return switch (value) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case ESRCH -> "ESRCH";
            case EINTR -> "EINTR";
            case EIO -> "EIO";
            case E2BIG -> "E2BIG";
            case EBADF -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EFAULT -> "EFAULT";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case ENOTDIR -> "ENOTDIR";
            case EINVAL -> "EINVAL";
            case ENOSPC -> "ENOSPC";
            case ERANGE -> "ERANGE";
            case ENOSYS -> "ENOSYS";
            case ENOTEMPTY -> "ENOTEMPTY";
            case ELOOP -> "ELOOP";
            case ENOLINK -> "ENOLINK";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            case ENOTSUPP -> "ENOTSUPP";
            default -> "errno " + value;
        };
    }

    public String description() {
        return switch (value) {
            case EPERM -> "Operation not permitted";
            case ENOENT -> "No such file or directory";
            case ESRCH -> "No such process";
            case EINTR -> "Interrupted system call";
            case EIO -> "Input/output error";
            case E2BIG -> "Argument list too long";
            case EBADF -> "Bad file descriptor";
            case EAGAIN -> "Resource temporarily unavailable";
            case ENOMEM -> "Cannot allocate memory";
            case EACCES -> "Permission denied";
            case EFAULT -> "Bad address";
            case EBUSY -> "Device or resource busy";
            case EEXIST -> "File exists";
            case ENOTDIR -> "Not a directory";
            case EINVAL -> "Invalid argument";
            case ENOSPC -> "No space left on device";
            case ERANGE -> "Numerical result out of range";
            case ENOSYS -> "Function not implemented";
            case ENOTEMPTY -> "Directory not empty";
            case ELOOP -> "Too many levels of symbolic links";
            case ENOLINK -> "Link has been severed";
            case EOPNOTSUPP -> "Operation not supported";
            case ENOTSUPP -> "Operation not supported (kernel-internal ENOTSUPP)";
            default -> "unknown error";
        };
    }

    @Override
    public String toString() {
        return name() + " (" + value + ", " + description() + ")";
    }
}
