/**
 * The one bpf(2) gateway and the kernel objects it returns: maps, programs, links, cgroup attachments.
 */
package dev.tollgate.bpf;
