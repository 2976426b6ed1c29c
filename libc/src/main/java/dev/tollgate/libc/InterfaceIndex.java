package dev.tollgate.libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.OptionalInt;

/**
 * if_nametoindex(3): a network interface's index in the caller's network namespace, as
 * systemd resolves {@code RestrictNetworkInterfaces=} names (in the manager's namespace, even
 * for a unit that later enters another one).
 */
public final class InterfaceIndex {
    private static final MemorySegment IF_NAMETOINDEX = Native.function("if_nametoindex");

    private InterfaceIndex() {}

    /** The index of {@code name}, empty if there is no such interface. */
    public static OptionalInt of(String name) {
        try (Arena arena = Arena.ofConfined()) {
            int index = (int) Native.call(IF_NAMETOINDEX, Native.callState(arena), arena.allocateFrom(name).address());
            return index == 0 ? OptionalInt.empty() : OptionalInt.of(index);
        }
    }
}
