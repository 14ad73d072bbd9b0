package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeySpaceTest {

  private final KeySpace keys = KeySpace.of("r4j");

  @Test
  void everyKeyOfABreakerSharesOneHashTag() {
    assertThat(keys.stateKey("calcom")).isEqualTo("r4j:{calcom}:state");
    assertThat(keys.windowKey("calcom")).isEqualTo("r4j:{calcom}:window");
    assertThat(keys.nodesKey("calcom")).isEqualTo("r4j:{calcom}:nodes");
    assertThat(keys.bucketsKey("calcom")).isEqualTo("r4j:{calcom}:buckets");
    assertThat(keys.scriptKeys("calcom")).containsExactly("r4j:{calcom}:state", "r4j:{calcom}:nodes",
        "r4j:{calcom}:window", "r4j:{calcom}:buckets");
    assertThat(keys.indexKey()).isEqualTo("r4j:breakers");
    assertThat(keys.channel()).isEqualTo("r4j:events");
  }

  @Test
  void hostileCharactersCannotLeaveTheirKeySpace() {
    assertThat(keys.stateKey("a}:{b")).isEqualTo("r4j:{a%7D%3A%7Bb}:state");
    assertThat(keys.stateKey("pay ment\u00e9")).isEqualTo("r4j:{pay%20ment%C3%A9}:state");
    assertThat(keys.stateKey("50%")).isEqualTo("r4j:{50%25}:state");
    assertThat(KeySpace.encode("a%7D")).isNotEqualTo(KeySpace.encode("a}"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"calcom", "a}:{b", "50%", "pay ment\u00e9", "\ud83d\ude80 rocket", "x.y_z-1"})
  void decodeIsTheInverseOfEncode(String name) {
    assertThat(KeySpace.decode(KeySpace.encode(name))).isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "%", "%4", "%zz", "a%7d", "%61", "a b", "a{b", "%0A"})
  void decodeRefusesAnythingEncodeCannotProduce(String tampered) {
    assertThatThrownBy(() -> KeySpace.decode(tampered))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not an encoded breaker name");
  }

  @Test
  void rejectsEmptyHugeAndControlCharacterNames() {
    assertThatThrownBy(() -> KeySpace.encode(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("circuit breaker name must not be empty");
    assertThatThrownBy(() -> KeySpace.encode("x".repeat(10_000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("circuit breaker name must be at most 200 characters, was 10000 characters starting '"
            + "x".repeat(40) + "...'");
    assertThatThrownBy(() -> KeySpace.encode("a\nb"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("circuit breaker name must not contain control characters, was 'a\\u000ab'");
    assertThatThrownBy(() -> KeySpace.encode(null)).isInstanceOf(NullPointerException.class).hasMessage("name");
  }

  /**
   * Names shown in logs, meters and dashboards: a right-to-left override turns a log line around,
   * a zero-width space makes a look-alike of another breaker, a line separator forges a log line.
   */
  @Test
  void refusesInvisibleDirectionChangingAndLineBreakingCharacters() {
    for (String name : java.util.List.of("pay\u202Ements", "calc\u200Bom", "a\u2028INFO forged", "\uFEFFcalcom",
        "x\u2029y")) {
      assertThatThrownBy(() -> KeySpace.encode(name)).as(KeySpace.printable(name, 40))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("circuit breaker name must not contain invisible, direction-changing or"
              + " line-breaking characters, was '")
          .hasMessageMatching("(?s)[^\u200B\u202E\u2028\u2029\uFEFF]*"); // the message escapes them
    }
    assertThat(KeySpace.decode(KeySpace.encode("zahlungsdienst-é-名前"))).isEqualTo("zahlungsdienst-é-名前");
  }

  @Test
  void rejectsAPrefixThatCouldBreakKeys() {
    assertThatThrownBy(() -> KeySpace.of("a:b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("keyPrefix must be 1-64 of [A-Za-z0-9._-], was 'a:b'");
    assertThatThrownBy(() -> KeySpace.of("")).hasMessage("keyPrefix must be 1-64 of [A-Za-z0-9._-], was ''");
  }

  /** Found by KeySpacePropertiesTest: "\uD800" and "?" were both encoded as %3F, one breaker's keys. */
  @Test
  void unpairedSurrogatesAreRefusedSoNoTwoNamesShareKeys() {
    assertThatThrownBy(() -> KeySpace.encode("pay\uD800ments"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("circuit breaker name must be valid Unicode, has an unpaired surrogate");
    assertThatThrownBy(() -> KeySpace.encode("\uDC00")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith("'\\udc00'"); // shown, not as '?'

    assertThat(KeySpace.decode(KeySpace.encode("\uD83D\uDE80"))).isEqualTo("\uD83D\uDE80");
  }
}
