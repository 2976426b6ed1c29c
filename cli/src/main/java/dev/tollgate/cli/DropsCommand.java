package dev.tollgate.cli;

import dev.tollgate.api.DropEvent;
import dev.tollgate.api.DropEventCount;
import dev.tollgate.api.ManagerClient;
import dev.tollgate.api.Messages.GetDropsReply;
import dev.tollgate.api.Messages.WatchDropsReply;
import dev.tollgate.varlink.ReplyStream;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "drops", description = {"Packets units' firewalls dropped, one line each as journalctl prints: "
        + "time, unit, and what was dropped (\"dropped egress UDP 10.0.0.1:5353 -> 10.0.0.9:53 len 84\": direction, "
        + "protocol, this host's end -> the other end for egress, the other end -> this host's end for ingress, the IP "
        + "packet's length).",
        "The daemon keeps the last 10,000; each unit reports at most IPDropEventRate= of them (default 100/s, bursts of "
                + "1,000) and counts the rest as suppressed, which the last line sums up. With -f, new ones as they come."})
final class DropsCommand extends Verb {
    @Option(names = {"-f", "--follow"}, description = "Print new drops as they happen until interrupted.")
    boolean follow;

    @Option(names = {"-S", "--since"}, paramLabel = "TIME",
            description = "Only drops at or after TIME: 'YYYY-MM-DD HH:MM[:SS]', 'HH:MM[:SS]' (today), 'today', "
                    + "'-5min' or '5min ago' (s, min, h, d), '@EPOCH-SECONDS'.")
    String since;

    @Parameters(paramLabel = "UNIT", arity = "0..*", description = "Only these units (all when none are given).")
    List<String> units;

    @Override
    int execute() throws Exception {
        Long sinceMicros = since == null ? null : parseSince(since, ZoneId.systemDefault(), Instant.now());
        List<String> only = units == null || units.isEmpty() ? List.of() : UnitNames.mangle(units);
        ZoneId zone = ZoneId.systemDefault();
        try (ManagerClient client = connect()) {
            if (!follow) {
                GetDropsReply r = client.getDrops(only, sinceMicros);
                if (json()) {
                    root.printJson(r);
                    return ExitCodes.SUCCESS;
                }
                List<String> lines = new ArrayList<>();
                for (DropEvent e : r.events()) lines.add(line(e, zone));
                if (!root.noLegend) lines.addAll(summary(r.counts(), r.events().isEmpty()));
                print(lines);
                return ExitCodes.SUCCESS;
            }
            // -f: the recent ones asked for (all kept, without --since), then new ones.
            try (ReplyStream<WatchDropsReply> stream = client.watchDrops(only, sinceMicros == null ? 0L : sinceMicros)) {
                WatchDropsReply r;
                while ((r = stream.nextReply()) != null) {
                    List<String> lines = new ArrayList<>();
                    for (DropEvent e : r.events()) lines.add(json() ? Json.text(e).replace("\n", "").replaceAll(" {2,}", " ") : line(e, zone));
                    if (r.missed() != null && !json()) lines.add("-- " + r.missed() + " drop events not shown: this client fell behind --");
                    print(lines);
                    out().flush();
                }
            }
        }
        return ExitCodes.SUCCESS;
    }

    /** {@code Dec 06 08:20:01.123456 sandbox.service: dropped egress UDP 127.0.0.1:41234 -> 127.0.0.2:9 len 128}. */
    static String line(DropEvent e, ZoneId zone) {
        ZonedDateTime t = Instant.ofEpochSecond(Math.floorDiv(e.timestamp(), 1_000_000L), Math.floorMod(e.timestamp(), 1_000_000L) * 1000)
                .atZone(zone);
        String when = String.format(Locale.ROOT, "%s %02d %02d:%02d:%02d.%06d",
                t.getMonth().getDisplayName(java.time.format.TextStyle.SHORT, Locale.US), t.getDayOfMonth(),
                t.getHour(), t.getMinute(), t.getSecond(), t.getNano() / 1000);
        boolean in = e.direction().equals("ingress");
        String local = end(e.localAddress(), e.localPort()), remote = end(e.remoteAddress(), e.remotePort());
        StringBuilder b = new StringBuilder(when).append(' ').append(e.unit()).append(": dropped ").append(e.direction()).append(' ');
        b.append(e.family() == 0 ? "non-IP" : e.protocolName());
        if (e.family() != 0) b.append(' ').append(in ? remote : local).append(" -> ").append(in ? local : remote);
        if (e.icmpType() != null) b.append(" type ").append(e.icmpType()).append(" code ").append(e.icmpCode());
        return b.append(" len ").append(e.length()).toString();
    }

    private static String end(String address, Integer port) {
        if (address == null) return "?";
        if (port == null) return address;
        return (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
    }

    private static List<String> summary(List<DropEventCount> counts, boolean none) {
        List<String> out = new ArrayList<>();
        if (none) out.add("-- No drops --");
        long suppressed = counts.stream().mapToLong(DropEventCount::suppressed).sum();
        if (suppressed > 0) {
            StringBuilder b = new StringBuilder("-- ").append(suppressed).append(" more drop")
                    .append(suppressed == 1 ? "" : "s").append(" not reported (over IPDropEventRate=):");
            for (DropEventCount c : counts) if (c.suppressed() > 0) b.append(' ').append(c.unit()).append(' ').append(c.suppressed());
            out.add(b.append(" --").toString());
        }
        return out;
    }

    private static final Pattern RELATIVE = Pattern.compile("^(?:-\\s*(\\d+)\\s*([a-z]+)|(\\d+)\\s*([a-z]+)\\s+ago)$");

    /** journalctl's --since forms that operators use, as CLOCK_REALTIME microseconds. */
    static long parseSince(String text, ZoneId zone, Instant now) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        try {
            if (s.equals("now")) return micros(now);
            if (s.equals("today")) return micros(LocalDate.ofInstant(now, zone).atStartOfDay(zone).toInstant());
            if (s.equals("yesterday")) return micros(LocalDate.ofInstant(now, zone).minusDays(1).atStartOfDay(zone).toInstant());
            if (s.startsWith("@")) return Math.multiplyExact(Long.parseLong(s.substring(1)), 1_000_000L);
            Matcher m = RELATIVE.matcher(s);
            if (m.matches()) {
                long n = Long.parseLong(m.group(1) != null ? m.group(1) : m.group(3));
                String unit = m.group(2) != null ? m.group(2) : m.group(4);
                long seconds = switch (unit) {
                    case "s", "sec", "second", "seconds" -> 1;
                    case "m", "min", "minute", "minutes" -> 60;
                    case "h", "hour", "hours" -> 3600;
                    case "d", "day", "days" -> 86400;
                    default -> throw new Failure(ExitCodes.USAGE, "tollctl: unknown time unit '" + unit + "' in --since " + text);
                };
                return micros(now) - Math.multiplyExact(n, seconds * 1_000_000L);
            }
            if (s.matches("\\d{4}-\\d{2}-\\d{2}")) return micros(LocalDate.parse(s).atStartOfDay(zone).toInstant());
            if (s.matches("\\d{4}-\\d{2}-\\d{2}[ t]\\d{2}:\\d{2}(:\\d{2})?")) {
                return micros(LocalDateTime.parse(s.replace(' ', 't').toUpperCase(Locale.ROOT)).atZone(zone).toInstant());
            }
            if (s.matches("\\d{2}:\\d{2}(:\\d{2})?")) {
                return micros(LocalTime.parse(s).atDate(LocalDate.ofInstant(now, zone)).atZone(zone).toInstant());
            }
        } catch (DateTimeParseException | NumberFormatException | ArithmeticException e) {
            // fall through to the usage error
        }
        throw new Failure(ExitCodes.USAGE, "tollctl: cannot parse --since '" + text
                + "': use 'YYYY-MM-DD HH:MM[:SS]', 'HH:MM[:SS]', 'today', '-5min', '5min ago' or '@EPOCH-SECONDS'.");
    }

    private static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
    }
}
