package io.github.r4jredis.fallback;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.r4jredis.fallback.internal.Json;
import java.util.Objects;

/**
 * Turns a payload into the text stored in Redis and back. Queued operations and shared cache
 * entries are plain text, readable with {@code redis-cli}.
 *
 * @param <T> the payload type
 */
public interface PayloadCodec<T> {

  /** The text form of {@code value}. */
  String encode(T value);

  /**
   * The value of a text form.
   *
   * @throws IllegalArgumentException when the text is not one {@link #encode} produces
   */
  T decode(String text);

  /** JSON through Jackson, for records and plain objects of {@code type}. */
  static <T> PayloadCodec<T> json(Class<T> type) {
    Objects.requireNonNull(type, "type");
    ObjectMapper mapper = Json.MAPPER;
    return new PayloadCodec<>() {
      @Override
      public String encode(T value) {
        if (!type.isInstance(value)) { // generics are erased: a wrong type would be written as JSON anyway
          throw new IllegalArgumentException("not a " + type.getName() + ": " + value.getClass().getName());
        }
        try {
          return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
          throw new IllegalArgumentException("cannot write " + type.getSimpleName() + " as JSON: " + e.getOriginalMessage(), e);
        }
      }

      @Override
      public T decode(String text) {
        try {
          return mapper.readValue(text, type);
        } catch (JsonProcessingException e) {
          throw new IllegalArgumentException("not a " + type.getSimpleName() + " in JSON: " + e.getOriginalMessage(), e);
        }
      }
    };
  }

  /** Strings as they are. */
  static PayloadCodec<String> text() {
    return new PayloadCodec<>() {
      @Override
      public String encode(String value) {
        return value;
      }

      @Override
      public String decode(String text) {
        return text;
      }
    };
  }
}
