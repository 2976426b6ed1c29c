/**
 * eBPF instructions in Java: an {@link dev.tollgate.bpf.asm.Assembler} with labels and map
 * relocations that produces {@link dev.tollgate.bpf.asm.Instructions}, and a
 * {@link dev.tollgate.bpf.asm.Disassembler} that prints bytecode the way the kernel's verifier
 * log and {@code bpftool prog dump xlated} do.
 *
 * <p>Modelled on cilium/ebpf's {@code asm} package; the encodings follow
 * {@code include/uapi/linux/bpf.h} and {@code bpf_common.h}, the text follows
 * {@code kernel/bpf/disasm.c}. Pure logic: nothing here talks to the kernel.
 */
package dev.tollgate.bpf.asm;
