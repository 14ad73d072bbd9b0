package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;

/**
 * Property-based tests of breaker names against the keys they make: whatever a caller names a
 * breaker (braces, colons, percent signs, unicode, 10 kB), its keys stay inside their own hash
 * tag and prefix, or the name is refused with a reason; tampered encodings are refused, never
 * guessed at.
 */
class KeySpacePropertiesTest {

  private static final KeySpace KEYS = KeySpace.of("r4j");

  @Provide
  Arbitrary<String> hostileNames() {
    Arbitrary<String> pieces = Arbitraries.of("{", "}", ":", "%", "*", "?", "[", "]", " ", "\\", "|", "\"",
        "é", "🚀", "名前", "\u200b", "r4j:", "{r4j}", "%7D", "%%", "calcom");
    return Arbitraries.oneOf(
        pieces.list().ofMinSize(1).ofMaxSize(30).map(list -> String.join("", list)),
        Arbitraries.strings().all().ofMinLength(1).ofMaxLength(300));
  }

  /**
   * What the registry accepts: at most 200 chars, no control, format or separator characters
   * (U+200B, U+202E, U+2028), well-formed UTF-16.
   */
  private static boolean valid(String name) {
    return name.length() <= KeySpace.MAX_NAME_LENGTH && name.codePoints().noneMatch(Character::isISOControl)
        && name.codePoints().noneMatch(cp -> Character.getType(cp) == Character.SURROGATE
            || Character.getType(cp) == Character.FORMAT || Character.getType(cp) == Character.LINE_SEPARATOR
            || Character.getType(cp) == Character.PARAGRAPH_SEPARATOR);
  }

  @Property(tries = 2000)
  void validNamesRoundTripAndStayInsideTheirHashTag(@ForAll("hostileNames") String name) {
    if (!valid(name)) {
      assertThatThrownBy(() -> KeySpace.requireValidName(name))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("circuit breaker name must");
      return;
    }
    String encoded = KeySpace.encode(name);
    assertThat(KeySpace.decode(encoded)).isEqualTo(name);
    assertThat(encoded).matches("[A-Za-z0-9._~%-]+"); // no brace, colon, glob or space can leak out
    String key = KEYS.stateKey(name);
    assertThat(key).startsWith("r4j:{").endsWith("}:state");
    assertThat(key.chars().filter(c -> c == '{').count()).isEqualTo(1); // one hash tag: one Cluster slot
    assertThat(key.chars().filter(c -> c == '}').count()).isEqualTo(1);
  }

  @Property(tries = 500)
  void distinctNamesNeverShareKeys(@ForAll("hostileNames") String a, @ForAll("hostileNames") String b) {
    if (a.equals(b) || !valid(a) || !valid(b)) {
      return;
    }
    assertThat(KEYS.stateKey(a)).isNotEqualTo(KEYS.stateKey(b));
  }

  @Property(tries = 2000)
  void anythingThatIsNotAnEncodingIsRefused(@ForAll @StringLength(min = 0, max = 60) String tampered) {
    String decoded;
    try {
      decoded = KeySpace.decode(tampered);
    } catch (IllegalArgumentException refused) {
      return;
    }
    assertThat(KeySpace.encode(decoded)).isEqualTo(tampered); // only canonical encodings decode
  }

  @Property(tries = 50)
  void tenKilobyteNamesAreRefusedWithTheirLength(@ForAll @StringLength(min = 201, max = 10_240) String name) {
    assertThatThrownBy(() -> KeySpace.requireValidName(name))
        .hasMessageStartingWith("circuit breaker name must be at most 200 characters, was " + name.length());
  }
}
