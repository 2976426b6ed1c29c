/**
 * cgroup v2: where it is mounted, cgroup directories, unit names to cgroup paths.
 *
 * <ul>
 * <li>{@link dev.tollgate.cgroup.Cgroup2Mount} finds the cgroup2 mount (unified or hybrid layout)
 *     in {@code /proc/self/mountinfo} and a process's cgroup in {@code /proc/PID/cgroup}.</li>
 * <li>{@link dev.tollgate.cgroup.CgroupPath} is a path in the hierarchy, and maps unit names to
 *     paths exactly as systemd does ({@code a-b.slice} under {@code a.slice}, escaping).</li>
 * <li>{@link dev.tollgate.cgroup.CgroupRoot} is the subtree tollgate owns, chosen by whether
 *     systemd is PID 1, with a leaf for the daemon itself where needed.</li>
 * <li>{@link dev.tollgate.cgroup.Cgroup} is one directory: create, remove, controllers,
 *     processes, events, freeze, kill, signals, delegation, id.</li>
 * <li>{@link dev.tollgate.cgroup.CgroupWatcher} reports {@code cgroup.events} changes
 *     (inotify, or polling).</li>
 * </ul>
 *
 * <p>Failures are {@link dev.tollgate.cgroup.CgroupException}s naming the operation, the path and
 * the errno ({@link dev.tollgate.libc.Errno}). Control-file writes, {@code mkdir}, {@code rmdir},
 * {@code kill(2)} and the cgroup id go through the {@code libc} module so the errno is exact; the
 * JVM needs native access granted ({@code --enable-native-access=ALL-UNNAMED} or the jar
 * manifest's {@code Enable-Native-Access}).
 * This package knows nothing of BPF programs or unit-file syntax.
 */
package dev.tollgate.cgroup;
