package dev.tollgate.bpf.features;

import dev.tollgate.libc.ApiFileSystems;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Prints the kernel probe as a table, or JSON with {@code --json}. The daemon and
 * {@code tollctl probe} show the same facts.
 */
public final class ProbeReport {
    private ProbeReport() {}

    public static void main(String[] args) {
        boolean json = List.of(args).contains("--json");
        for (String a : args) {
            if (!a.equals("--json")) {
                System.err.println("usage: probe [--json]");
                System.exit(2);
            }
        }
        Optional<Path> cgroup2;
        try {
            cgroup2 = ApiFileSystems.cgroup2();
        } catch (IOException e) {
            System.err.println("probe: cannot statfs the cgroup2 places: " + e.getMessage());
            System.exit(1);
            return;
        }
        Features f = Features.probe(cgroup2, cgroup2.orElse(Path.of("/nonexistent")));
        System.out.print(json ? json(f) : table(f));
    }

    public static String table(Features f) {
        int width = f.all().stream().mapToInt(x -> x.name().length()).max().orElse(10);
        StringBuilder b = new StringBuilder();
        b.append(String.format("%-" + width + "s  %-3s  %s%n", "FEATURE", "OK", "HOW WE KNOW"));
        for (Feature x : f.all()) {
            b.append(String.format("%-" + width + "s  %-3s  %s%n", x.name(), x.available() ? "yes" : "no", x.evidence()));
        }
        b.append(System.lineSeparator());
        b.append("attach mode: ").append(f.bestMode().map(m -> m.configName() + " — " + m.mechanism)
                .orElse("none — cgroup BPF is unavailable; units would run without accounting or firewall")).append('\n');
        return b.toString();
    }

    public static String json(Features f) {
        StringBuilder b = new StringBuilder("{\n  \"cgroup2\": ");
        b.append(f.cgroup2Mount().map(p -> quote(p.toString())).orElse("null"));
        b.append(",\n  \"attachMode\": ").append(f.bestMode().map(m -> quote(m.configName())).orElse("null"));
        b.append(",\n  \"features\": [");
        List<Feature> all = f.all();
        for (int i = 0; i < all.size(); i++) {
            Feature x = all.get(i);
            b.append(i == 0 ? "\n" : ",\n").append("    {\"name\": ").append(quote(x.name()))
                    .append(", \"available\": ").append(x.available())
                    .append(", \"evidence\": ").append(quote(x.evidence())).append('}');
        }
        return b.append("\n  ]\n}\n").toString();
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
