package io.egressprobe.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reading {@code GET /api/v1/targets} answers, however the test fetched them. */
public final class TargetsApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TargetsApi() {}

    /** The target of that name in an answer; fails the test where there is none. */
    public static JsonNode named(String answer, String name) throws JsonProcessingException {
        for (JsonNode t : JSON.readTree(answer).get("targets")) {
            if (t.get("name").asText().equals(name)) {
                return t;
            }
        }
        throw new AssertionError("no target " + name + " in " + answer);
    }
}
