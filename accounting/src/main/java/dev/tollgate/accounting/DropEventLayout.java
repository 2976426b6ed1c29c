package dev.tollgate.accounting;

/**
 * The records of the drop event path, shared by the program that writes them and the daemon
 * that reads them.
 *
 * <p>A unit's events map (a one-entry ARRAY, pinned as {@code events}): the token bucket's
 * theoretical arrival time (GCRA: the bucket is empty up to it), the events emitted and the
 * events suppressed (over the rate, or the ring buffer full), the unit's id in the events
 * (written once when the map is made; the program only reads it), and the interval (ns) of
 * the rate the TAT was reckoned in: a program with another rate (after a reload changed
 * {@code IPDropEventRate=}) starts the bucket full again instead of inheriting a debt in the
 * old rate's units.
 *
 * <p>An event in the ring buffer: 64 bytes, addresses as in the IP header (source and
 * destination, network order), the four bytes after the IP header for TCP, UDP and ICMP
 * (ports in network order, or ICMP type and code), host order for the rest.
 */
public final class DropEventLayout {
    // The events map value.
    public static final int TAT = 0, EMITTED = 8, SUPPRESSED = 16, UNIT_ID = 24, RATE_INTERVAL = 28, STATE_SIZE = 32;

    // An event.
    public static final int TIME = 0, UNIT = 8, DIRECTION = 12, FAMILY = 13, PROTOCOL = 14, LENGTH = 16,
            TRANSPORT = 20, SOURCE = 24, DESTINATION = 40, IFINDEX = 56, EVENT_SIZE = 64;

    /** The shared ring buffer's size: about 7,000 events (72 bytes with the header) before it is full. */
    public static final int RING_BYTES = 512 * 1024;

    private DropEventLayout() {}
}
