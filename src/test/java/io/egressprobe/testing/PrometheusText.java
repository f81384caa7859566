package io.egressprobe.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format (0.0.4): families with HELP and TYPE, samples
 * with escaped label values. It throws on anything the format does not allow, so a scrape that parses
 * here is well-formed; {@code promtool check metrics} is run on it too where installed.
 */
public final class PrometheusText {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("\\s*([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\[\\\\\"n])*)\"\\s*(,|$)");

    public record Sample(String name, Map<String, String> labels, double value) {}

    public record Family(String name, String type, String help, List<Sample> samples) {
        public List<Sample> withLabel(String key, String value) {
            return samples.stream().filter(s -> value.equals(s.labels().get(key))).toList();
        }
    }

    private PrometheusText() {}

    public static Map<String, Family> parse(String text) {
        Map<String, Family> families = new LinkedHashMap<>();
        Family current = null;
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                String[] parts = line.substring(7).split(" ", 2);
                String name = parts[0];
                require(NAME.matcher(name).matches(), lineNo, "bad metric name " + name);
                Family f = families.get(name);
                if (f == null) {
                    f = new Family(name, "untyped", "", new ArrayList<>());
                }
                if (line.startsWith("# TYPE ")) {
                    String type = parts.length > 1 ? parts[1].trim() : "";
                    require(List.of("counter", "gauge", "histogram", "summary", "untyped").contains(type), lineNo, "bad type " + type);
                    require(f.samples().isEmpty(), lineNo, "TYPE after samples of " + name);
                    f = new Family(name, type, f.help(), f.samples());
                } else {
                    f = new Family(name, f.type(), parts.length > 1 ? parts[1] : "", f.samples());
                }
                families.put(name, f);
                current = f;
                continue;
            }
            if (line.startsWith("#")) {
                continue;
            }
            Sample sample = sample(line, lineNo);
            Family owner = current != null && belongs(sample.name(), current) ? current : null;
            require(owner != null, lineNo, "sample " + sample.name() + " outside its family");
            owner.samples().add(sample);
        }
        return families;
    }

    private static boolean belongs(String sample, Family f) {
        if (sample.equals(f.name())) {
            return true;
        }
        List<String> suffixes = switch (f.type()) {
            case "histogram" -> List.of("_bucket", "_sum", "_count", "_created");
            case "summary" -> List.of("_sum", "_count", "_created");
            case "counter" -> List.of("_total", "_created");
            default -> List.of();
        };
        return suffixes.stream().anyMatch(s -> sample.equals(f.name() + s));
    }

    private static Sample sample(String line, int lineNo) {
        int brace = line.indexOf('{');
        int space = line.indexOf(' ');
        String name;
        Map<String, String> labels = new LinkedHashMap<>();
        String rest;
        if (brace >= 0 && (space < 0 || brace < space)) {
            name = line.substring(0, brace);
            int close = closingBrace(line, brace, lineNo);
            String body = line.substring(brace + 1, close);
            Matcher m = LABEL.matcher(body);
            int pos = 0;
            while (pos < body.length()) {
                require(m.find(pos) && m.start() == pos, lineNo, "bad labels: " + body);
                require(labels.put(m.group(1), unescape(m.group(2))) == null, lineNo, "repeated label " + m.group(1));
                pos = m.end();
            }
            rest = line.substring(close + 1).trim();
        } else {
            require(space > 0, lineNo, "no value");
            name = line.substring(0, space);
            rest = line.substring(space + 1).trim();
        }
        require(NAME.matcher(name).matches(), lineNo, "bad sample name " + name);
        String[] values = rest.split(" ");
        require(values.length == 1 || values.length == 2, lineNo, "bad value part: " + rest);
        return new Sample(name, labels, value(values[0], lineNo));
    }

    private static int closingBrace(String line, int open, int lineNo) {
        boolean quoted = false;
        for (int i = open + 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && quoted) {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '}' && !quoted) {
                return i;
            }
        }
        throw new IllegalArgumentException("line " + lineNo + ": unclosed labels");
    }

    private static double value(String s, int lineNo) {
        return switch (s) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> {
                try {
                    yield Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("line " + lineNo + ": bad value " + s);
                }
            }
        };
    }

    private static String unescape(String s) {
        return s.replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\");
    }

    private static void require(boolean ok, int lineNo, String message) {
        if (!ok) {
            throw new IllegalArgumentException("line " + lineNo + ": " + message);
        }
    }

    /** The value of the one sample of {@code name} carrying all of {@code labels}. */
    public static Optional<Double> value(Map<String, Family> families, String family, String name, Map<String, String> labels) {
        Family f = families.get(family);
        if (f == null) {
            return Optional.empty();
        }
        return f.samples().stream().filter(s -> s.name().equals(name))
                .filter(s -> s.labels().entrySet().containsAll(labels.entrySet())).map(Sample::value).findFirst();
    }

    /** The sum over the samples named {@code name} that carry all of {@code labels}, in whichever family. */
    public static double sum(Map<String, Family> families, String name, Map<String, String> labels) {
        return families.values().stream().flatMap(f -> f.samples().stream()).filter(s -> s.name().equals(name))
                .filter(s -> s.labels().entrySet().containsAll(labels.entrySet())).mapToDouble(Sample::value).sum();
    }
}
