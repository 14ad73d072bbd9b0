package io.github.r4jredis.fallback.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;

/** The one JSON mapper of this module (thread-safe once configured), and string maps in JSON. */
public final class Json {

  /** Finds Java time and other modules on the class path. */
  public static final ObjectMapper MAPPER = new ObjectMapper().findAndRegisterModules();

  private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};

  private Json() {}

  /** A string map as a JSON object. */
  public static String write(Map<String, String> map) {
    try {
      return MAPPER.writeValueAsString(map);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write a map as JSON", e);
    }
  }

  /** A JSON object of strings; empty for empty or unreadable text. */
  public static Map<String, String> readMap(String text) {
    if (text == null || text.isEmpty()) {
      return Map.of();
    }
    try {
      return MAPPER.readValue(text, STRING_MAP);
    } catch (JsonProcessingException e) {
      return Map.of("unreadable", text.length() > 200 ? text.substring(0, 200) : text);
    }
  }

  /** Any object in JSON. */
  public static String writeValue(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write " + value.getClass().getSimpleName() + " as JSON: "
          + e.getOriginalMessage(), e);
    }
  }
}
