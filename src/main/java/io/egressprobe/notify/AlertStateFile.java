package io.egressprobe.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.egressprobe.alert.Advice;
import io.egressprobe.alert.AlertName;
import io.egressprobe.alert.Level;
import io.egressprobe.alert.Transition;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.support.JsonOutput;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The alerts a restart must not lose, in a small JSON file on a writable volume (the DaemonSet's emptyDir): what fires
 * (each alert as its latest transition) and, by notifier, what was handed to it and not delivered. Written whole to a
 * temporary file and moved over the old one, so that a crash mid-write leaves the previous state, never half of one.
 * A file that cannot be read or parsed is logged once and ignored: the daemon starts as if it had none; a write that
 * fails is logged once per failure streak. Neither ever stops the daemon. Blocking: call it off the event loops.
 */
public final class AlertStateFile {
    private static final Logger LOG = LoggerFactory.getLogger(AlertStateFile.class);
    private static final ObjectMapper JSON = JsonOutput.mapper();
    static final int VERSION = 1;

    /** What a run leaves for the next. */
    public record Saved(List<Notification> firing, Map<String, List<Notification>> undelivered) {
        public static final Saved EMPTY = new Saved(List.of(), Map.of());

        public Saved {
            firing = List.copyOf(firing);
            Map<String, List<Notification>> copy = new LinkedHashMap<>();
            undelivered.forEach((notifier, list) -> {
                if (!list.isEmpty()) {
                    copy.put(notifier, List.copyOf(list));
                }
            });
            undelivered = Map.copyOf(copy);
        }

        public List<Notification> undeliveredTo(String notifier) {
            return undelivered.getOrDefault(notifier, List.of());
        }
    }

    private final Path file;
    private byte[] lastWritten;
    private boolean writeFailing;

    public AlertStateFile(Path file) {
        this.file = file;
    }

    public Path path() {
        return file;
    }

    /** The previous run's state; empty (logged once, at warn) if the file is there but unreadable or corrupt. */
    public Saved read() {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            LOG.atInfo().addKeyValue("file", file.toString()).log("no alert state in {}: starting with no firing alerts", file);
            return Saved.EMPTY;
        } catch (IOException | RuntimeException e) {
            LOG.atWarn().addKeyValue("file", file.toString()).addKeyValue("error", String.valueOf(e.getMessage()))
                    .log("cannot read the alert state {}: {}; starting as if no alert fired", file, e.getMessage());
            return Saved.EMPTY;
        }
        try {
            Saved saved = parse(JSON.readTree(content));
            lastWritten = content;
            LOG.atInfo().addKeyValue("file", file.toString()).addKeyValue("firing", saved.firing().size())
                    .log("alert state {}: {} alerts were firing; each is held until its target has minSamples again", file,
                            saved.firing().size());
            return saved;
        } catch (IOException | RuntimeException e) {
            LOG.atWarn().addKeyValue("file", file.toString()).addKeyValue("error", String.valueOf(e.getMessage()))
                    .log("the alert state {} is corrupt ({}); ignored: starting as if no alert fired", file, e.getMessage());
            return Saved.EMPTY;
        }
    }

    /** Writes {@code saved} unless the file already holds it; never throws. */
    public void write(Saved saved) {
        byte[] content = render(saved).getBytes(StandardCharsets.UTF_8);
        if (Arrays.equals(content, lastWritten)) {
            return;
        }
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, content);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            lastWritten = content;
            if (writeFailing) {
                LOG.atInfo().addKeyValue("file", file.toString()).log("the alert state is written to {} again", file);
                writeFailing = false;
            }
        } catch (IOException | RuntimeException e) {
            if (!writeFailing) {
                LOG.atWarn().addKeyValue("file", file.toString()).addKeyValue("error", String.valueOf(e.getMessage()))
                        .log("cannot write the alert state {}: {}; a restart will resend what fires only once its targets"
                                + " have minSamples (mount a writable volume there)", file, e.getMessage());
                writeFailing = true;
            }
        }
    }

    static String render(Saved saved) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", VERSION);
        ArrayNode firing = root.putArray("firing");
        saved.firing().forEach(n -> firing.add(toJson(n)));
        ObjectNode undelivered = root.putObject("undelivered");
        saved.undelivered().forEach((notifier, list) -> {
            ArrayNode a = undelivered.putArray(notifier);
            list.forEach(n -> a.add(toJson(n)));
        });
        return root.toString();
    }

    static Saved parse(JsonNode root) {
        if (root == null || root.path("version").asInt(-1) != VERSION) {
            throw new IllegalArgumentException("not version " + VERSION + " of the alert state");
        }
        List<Notification> firing = new ArrayList<>();
        root.path("firing").forEach(n -> firing.add(fromJson(n)));
        Map<String, List<Notification>> undelivered = new LinkedHashMap<>();
        root.path("undelivered").properties().forEach(e -> {
            List<Notification> list = new ArrayList<>();
            e.getValue().forEach(n -> list.add(fromJson(n)));
            undelivered.put(e.getKey(), list);
        });
        return new Saved(firing, undelivered);
    }

    private static ObjectNode toJson(Notification n) {
        Transition t = n.transition();
        ObjectNode o = JSON.createObjectNode();
        o.put("alertname", t.alert().alertName());
        o.put("target", t.target());
        o.put("from", t.from().label());
        o.put("to", t.to().label());
        o.put("at", t.at().toString());
        o.put("since", t.since().toString());
        o.put("host", n.host());
        o.put("port", n.port());
        o.put("node", n.node());
        o.put("path", n.path().label());
        o.put("summary", n.advice().summary());
        o.put("description", n.advice().description());
        o.put("recommendation", n.advice().recommendation());
        o.put("runbookUrl", n.runbookUrl().toString());
        o.set("window", JSON.valueToTree(n.window()));
        return o;
    }

    /** The statistics and policy behind a stored transition are not kept: its window's numbers and advice are. */
    private static Notification fromJson(JsonNode o) {
        Transition t = new Transition(required(o, "target"), alertName(required(o, "alertname")),
                level(required(o, "from")), level(required(o, "to")), Instant.parse(required(o, "at")),
                Instant.parse(required(o, "since")), null, null);
        Advice advice = new Advice(required(o, "summary"), required(o, "description"), required(o, "recommendation"));
        AlertWindow window;
        try {
            window = JSON.treeToValue(o.path("window"), AlertWindow.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("window: " + e.getMessage(), e);
        }
        return new Notification(t, required(o, "host"), o.path("port").asInt(), required(o, "node"),
                path(required(o, "path")), advice, URI.create(required(o, "runbookUrl")), window);
    }

    private static String required(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(field + " missing");
        }
        return v.asText();
    }

    private static AlertName alertName(String name) {
        return Arrays.stream(AlertName.values()).filter(a -> a.alertName().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown alert " + name));
    }

    private static Level level(String label) {
        return Arrays.stream(Level.values()).filter(l -> l.label().equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown level " + label));
    }

    private static ProbePath path(String label) {
        return Arrays.stream(ProbePath.values()).filter(p -> p.label().equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown path " + label));
    }
}
