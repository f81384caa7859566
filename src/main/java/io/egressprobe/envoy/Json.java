package io.egressprobe.envoy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

/** Field access over Envoy's admin JSON, which names fields in snake_case (or camelCase, as some tools print them). */
final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    /**
     * An admin answer whose top level holds the array {@code field}.
     *
     * @throws IllegalArgumentException naming what is wrong: not JSON, or no such array in {@code what}
     */
    static JsonNode answer(String body, String field, String what) {
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        return answer(root, field, what);
    }

    /** An answer already read, checked as {@link #answer(String, String, String)} checks it. */
    static JsonNode answer(JsonNode root, String field, String what) {
        if (root == null || !root.path(field).isArray()) {
            throw new IllegalArgumentException("no " + field + "[] in " + what);
        }
        return root;
    }

    static JsonNode field(JsonNode node, String snakeCase) {
        if (node == null) {
            return MissingNode.getInstance();
        }
        JsonNode value = node.get(snakeCase);
        return value != null ? value : node.path(camel(snakeCase));
    }

    static String text(JsonNode node, String snakeCase) {
        return field(node, snakeCase).asText("");
    }

    /** {@code typed_config} (v3) or {@code config} (v2, Istio up to 1.4): the filter's own settings. */
    static JsonNode filterConfig(JsonNode filter) {
        JsonNode typed = field(filter, "typed_config");
        return typed.isMissingNode() ? field(filter, "config") : typed;
    }

    static String camel(String snake) {
        StringBuilder b = new StringBuilder();
        boolean up = false;
        for (char c : snake.toCharArray()) {
            if (c == '_') {
                up = true;
            } else {
                b.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return b.toString();
    }
}
