package io.egressprobe.envoy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A JSON tree built from an answer fed in chunks as they arrive, keeping only what a {@link Pruning} asks for: the answer
 * itself is never held, as one buffer, one String or one whole tree. An element of an array is judged as soon as its
 * resource name is read (Envoy prints a resource's {@code name} before its body, so a listener or cluster that is not
 * wanted is skipped unbuilt) and again once it is complete; so what is held is what is kept plus the one element being
 * read. The bytes fed are counted against a limit. Pure: Jackson's non-blocking parser, no I/O.
 */
public final class PrunedTree {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** What to keep of an answer. Each method may be asked in any order the answer gives; a default keeps everything. */
    public interface Pruning {
        /**
         * An element of the array field {@code array} whose resource name is {@code name}: its own {@code name}
         * ({@code kind} ""), or that of an object it holds in the field {@code kind} (as {@code cluster.name} in a
         * {@code DynamicCluster}). False drops it unread.
         */
        default boolean keepNamed(String array, String kind, String name) {
            return true;
        }

        /** A complete element of the array field {@code array}: false drops it. */
        default boolean keep(String array, JsonNode element) {
            return true;
        }

        /** A field whose value is never needed, wherever it stands. */
        default boolean skipField(String field) {
            return false;
        }
    }

    /** The answer was larger than the limit: it was not read to its end. */
    public static final class TooLarge extends RuntimeException {
        private final long limit;

        TooLarge(long limit) {
            super("the answer is larger than " + limit + " bytes", null, false, false);
            this.limit = limit;
        }

        public long limit() {
            return limit;
        }
    }

    /** One open object or array, with the field it stands in (for an array, the field its elements are judged by). */
    private static final class Frame {
        final ContainerNode<?> node;
        final String field;
        /** An element of an array, not yet judged by its name. */
        boolean awaitingName;
        /** For an object directly inside an element: that element, whose name this object may carry. */
        final Frame element;

        Frame(ContainerNode<?> node, String field, Frame element) {
            this.node = node;
            this.field = field;
            this.element = element;
        }
    }

    private final Pruning pruning;
    private final long limit;
    private final JsonParser parser;
    private final ByteArrayFeeder feeder;
    private final Deque<Frame> open = new ArrayDeque<>();
    private String pendingField;
    /** Containers still to close before the element or field being skipped has ended; 0 when not skipping. */
    private int skipping;
    /** The next value (a scalar or a whole object or array) belongs to a field never read: skipped. */
    private boolean skippingFieldValue;
    private long bytes;
    private JsonNode root;

    public PrunedTree(Pruning pruning, long limit) {
        this.pruning = pruning;
        this.limit = limit;
        try {
            this.parser = FACTORY.createNonBlockingByteArrayParser();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        this.feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
    }

    /** A tree of a whole answer at once, as {@link #feed} and {@link #end} would build it from chunks. */
    public static JsonNode of(byte[] answer, Pruning pruning) {
        PrunedTree tree = new PrunedTree(pruning, Long.MAX_VALUE);
        tree.feed(answer, 0, answer.length);
        return tree.end();
    }

    public long bytes() {
        return bytes;
    }

    /**
     * @throws TooLarge                 past the limit
     * @throws IllegalArgumentException when the bytes so far are not JSON
     */
    public void feed(byte[] chunk, int offset, int length) {
        bytes += length;
        if (bytes > limit) {
            throw new TooLarge(limit);
        }
        try {
            feeder.feedInput(chunk, offset, offset + length);
            drain();
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /**
     * The kept tree.
     *
     * @throws IllegalArgumentException when the answer ended before its JSON did, or held none
     */
    public JsonNode end() {
        try {
            feeder.endOfInput();
            drain();
        } catch (IOException e) {
            throw new IllegalArgumentException(String.valueOf(e.getMessage()).contains("end-of-input") ? endedInside()
                    : "not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !open.isEmpty()) {
            throw new IllegalArgumentException(endedInside());
        }
        return root;
    }

    private String endedInside() {
        return "not JSON: the answer ended after " + bytes + " bytes, inside its JSON";
    }

    private void drain() throws IOException {
        JsonToken token;
        while ((token = parser.nextToken()) != null && token != JsonToken.NOT_AVAILABLE) {
            if (skipping > 0 || skippingFieldValue) {
                skip(token);
            } else {
                take(token);
            }
        }
    }

    private void skip(JsonToken token) {
        if (skippingFieldValue) {
            skippingFieldValue = false;
            if (!token.isStructStart()) {
                return;
            }
            skipping = 1;
            return;
        }
        if (token.isStructStart()) {
            skipping++;
        } else if (token.isStructEnd()) {
            skipping--;
        }
    }

    private void take(JsonToken token) throws IOException {
        switch (token) {
            case FIELD_NAME -> {
                pendingField = parser.currentName();
                if (pruning.skipField(pendingField)) {
                    pendingField = null;
                    skippingFieldValue = true;
                }
            }
            case START_OBJECT -> push(NODES.objectNode());
            case START_ARRAY -> push(NODES.arrayNode());
            case END_OBJECT, END_ARRAY -> close();
            default -> add(scalar(token));
        }
    }

    private JsonNode scalar(JsonToken token) throws IOException {
        return switch (token) {
            case VALUE_STRING -> NODES.textNode(parser.getText());
            case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                case INT -> NODES.numberNode(parser.getIntValue());
                case LONG -> NODES.numberNode(parser.getLongValue());
                default -> NODES.numberNode(parser.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDoubleValue());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            default -> NODES.nullNode();
        };
    }

    private void push(ContainerNode<?> node) {
        Frame parent = open.peek();
        String field = pendingField;
        pendingField = null;
        Frame frame;
        if (parent != null && parent.node.isArray()) {
            frame = new Frame(node, parent.field, null);
            frame.awaitingName = node.isObject();
        } else {
            frame = new Frame(node, field, parent != null && parent.awaitingName ? parent : null);
        }
        open.push(frame);
    }

    private void close() {
        Frame done = open.pop();
        Frame parent = open.peek();
        if (parent == null) {
            root = done.node;
            return;
        }
        if (parent.node.isArray()) {
            if (pruning.keep(parent.field, done.node)) {
                ((ArrayNode) parent.node).add(done.node);
            }
        } else {
            ((ObjectNode) parent.node).set(done.field, done.node);
        }
    }

    private void add(JsonNode value) {
        Frame parent = open.peek();
        if (parent == null) {
            root = value;
            return;
        }
        if (parent.node.isArray()) {
            ((ArrayNode) parent.node).add(value);
            return;
        }
        String field = pendingField;
        pendingField = null;
        ((ObjectNode) parent.node).set(field, value);
        if ("name".equals(field) && value.isTextual()) {
            judgeByName(parent, value.asText());
        }
    }

    /** The element's own {@code name}, or that of an object it holds directly: the resource's name. */
    private void judgeByName(Frame holder, String name) {
        Frame element = holder.awaitingName ? holder : holder.element != null && holder.element.awaitingName ? holder.element : null;
        if (element == null) {
            return;
        }
        element.awaitingName = false;
        if (!pruning.keepNamed(below(element).field, element == holder ? "" : holder.field, name)) {
            // Dropped unbuilt: its open frames are let go, and the rest of it is skipped to its end.
            int frames = 0;
            while (open.peek() != element) {
                open.pop();
                frames++;
            }
            open.pop();
            skipping = frames + 1;
        }
    }

    /** The frame holding {@code frame}: the next one down the stack. */
    private Frame below(Frame frame) {
        boolean found = false;
        for (Frame f : open) {
            if (found) {
                return f;
            }
            found = f == frame;
        }
        return null;
    }
}
