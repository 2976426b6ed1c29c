package dev.tollgate.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.OptionalInt;

/**
 * if_nametoindex(3): a network interface's index in the caller's network namespace, as
 * systemd resolves {@code RestrictNetworkInterfaces=} names (in the manager's namespace, even
 * for a unit that later enters another one).
 */
public final class InterfaceIndex {
    private static final MethodHandle IF_NAMETOINDEX = downcall();

    private InterfaceIndex() {}

    @SuppressWarnings("restricted") // granted by --enable-native-access / the Enable-Native-Access manifest entry
    private static MethodHandle downcall() {
        Linker linker = Linker.nativeLinker();
        MemorySegment symbol = linker.defaultLookup().find("if_nametoindex")
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no if_nametoindex"));
        return linker.downcallHandle(symbol, FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

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
