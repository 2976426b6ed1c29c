/**
 * cgroup v2: where it is mounted, cgroup directories, unit names to cgroup paths.
 */
package dev.tollgate.cgroup;
