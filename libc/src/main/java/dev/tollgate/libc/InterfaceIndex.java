package dev.tollgate.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import java.util.OptionalInt;

/**
 * if_nametoindex(3): a network interface's index in the caller's network namespace, as
 * systemd resolves {@code RestrictNetworkInterfaces=} names (in the manager's namespace, even
 * for a unit that later enters another one).
 */
public final class InterfaceIndex {
    private static final MethodHandle IF_NAMETOINDEX =
            Native.downcall("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    private InterfaceIndex() {}

    /** The index of {@code name}, empty if there is no such interface. */
    public static OptionalInt of(String name) {
        try (Arena arena = Arena.ofConfined()) {
            int index = (int) IF_NAMETOINDEX.invokeExact(arena.allocateFrom(name));
            return index == 0 ? OptionalInt.empty() : OptionalInt.of(index);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
