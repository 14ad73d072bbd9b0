package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SharedViewTest {

  private static List<Object> reply(String... fields) {
    return new ArrayList<>(List.of(fields));
  }

  private static List<Object> valid() {
    return reply("OK", "OPEN", "7", "CLOSED", "1000", "61000", "1", "node-2", "66000", "0", "1001", "20", "12",
        "3", "2", "4", "3", "abcd", "FO", "", "node-2", "31001", "-30000");
  }

  @Test
  void parsesAScriptReply() {
    SharedView view = SharedView.fromReply(valid());

    assertThat(view.state()).isEqualTo(State.OPEN);
    assertThat(view.version()).isEqualTo(7);
    assertThat(view.previous()).isEqualTo(State.CLOSED);
    assertThat(view.openUntil()).isEqualTo(61000);
    assertThat(view.calls()).isEqualTo(20);
    assertThat(view.failures()).isEqualTo(12);
    assertThat(view.activeNodes()).isEqualTo(4);
    assertThat(view.flags()).containsExactlyInAnyOrder(SharedView.Flag.FAILURE_RATE_EXCEEDED, SharedView.Flag.OPENED);
    assertThat(view.holder()).isEqualTo("node-2");
    assertThat(view.heldBy("node-2")).isTrue();
    assertThat(view.by()).isEqualTo("node-2");
    assertThat(view.verified()).isTrue();
    assertThat(SharedView.clockOf(valid())).isEqualTo(new SharedView.ReplyClock(31001, -30000));
    assertThat(SharedView.clockOf(valid()).fleetTime()).isEqualTo(view.serverNow());
  }

  @Test
  void refusesRepliesThatNoScriptProduces() {
    List<Object> badState = valid();
    badState.set(1, "AJAR");
    List<Object> negative = valid();
    negative.set(2, "-1");
    List<Object> inconsistent = valid();
    inconsistent.set(12, "21");

    List<Object> badFlag = valid();
    badFlag.set(18, "FOZ");
    List<Object> badStatus = valid();
    badStatus.set(0, "HINT");

    assertThatThrownBy(() -> SharedView.fromReply(badState)).hasMessage("field state is not a state: AJAR");
    assertThatThrownBy(() -> SharedView.fromReply(negative)).hasMessage("field version is negative: -1");
    assertThatThrownBy(() -> SharedView.fromReply(inconsistent)).hasMessageStartingWith("inconsistent window counts");
    assertThatThrownBy(() -> SharedView.fromReply(badFlag)).hasMessage("field flags: unknown flag 'Z'");
    assertThatThrownBy(() -> SharedView.fromReply(badStatus)).hasMessage("field status is not a status: HINT");
    List<Object> badOffset = valid();
    badOffset.set(22, "1e3");
    assertThatThrownBy(() -> SharedView.clockOf(badOffset)).hasMessage("field clock_offset is not a number: 1e3");
    assertThatThrownBy(() -> SharedView.fromReply(reply("OK"))).hasMessage("reply must have 23 fields, had 1");
    assertThatThrownBy(() -> SharedView.fromReply(null)).hasMessage("reply must have 23 fields, had none");
  }

  @Test
  void parsesAMessageAsAnUnverifiedHint() {
    SharedView.Hint hint = SharedView.fromMessage("r4j1|pay%7Dments|9|HALF_OPEN|OPEN|5|0|node-1|700|0|");

    assertThat(hint.encodedName()).isEqualTo("pay%7Dments");
    assertThat(hint.view().state()).isEqualTo(State.HALF_OPEN);
    assertThat(hint.view().holder()).isEqualTo("node-1");
    assertThat(hint.view().verified()).isFalse();
  }

  @Test
  void refusesMalformedMessages() {
    for (String message : List.of("", "r4j1", "r4j2|a|1|OPEN|CLOSED|0|0||0|0|", "r4j1|a}b|1|OPEN|CLOSED|0|0||0|0|",
        "r4j1|a|x|OPEN|CLOSED|0|0||0|0|", "r4j1|a|1|OPEN|CLOSED|0|0||0|0", "r4j1|a|1|open|CLOSED|0|0||0|0|")) {
      assertThatThrownBy(() -> SharedView.fromMessage(message)).as(message).isInstanceOf(IllegalArgumentException.class);
    }
  }

  /** A message of megabytes (a forged lease holder) is refused before it is split. */
  @Test
  void refusesMessagesLongerThanAnyTheScriptsPublish() {
    String longest = "r4j1|" + "%E2%82%AC".repeat(KeySpace.MAX_NAME_LENGTH) + "|9007199254740991|HALF_OPEN|OPEN"
        + "|8796093022208|8796093022208|" + "n".repeat(100) + "|8796093022208|8796093022208|reset";
    assertThat(SharedView.fromMessage(longest).view().state()).isEqualTo(State.HALF_OPEN);
    String huge = "r4j1|a|1|HALF_OPEN|OPEN|0|0|" + "n".repeat(1 << 20) + "|0|0|";
    assertThatThrownBy(() -> SharedView.fromMessage(huge)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most");
  }

  /** Fuzz: whatever arrives on the channel or in a reply, parsing fails only with IAE. */
  @Test
  void parsersNeverFailWithAnythingButIllegalArgument() {
    Random random = new Random(42);
    String alphabet = "r4j1|%{}:0123456789-OPENCLOSEDHALF_\n \u00e9";
    for (int i = 0; i < 20_000; i++) {
      StringBuilder text = new StringBuilder();
      int length = random.nextInt(60);
      for (int j = 0; j < length; j++) {
        text.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String message = random.nextBoolean() ? "r4j1|a|" + text : text.toString();
      try {
        SharedView.fromMessage(message);
      } catch (IllegalArgumentException expected) {
        // refused, as it should be
      }
      List<Object> fields = valid();
      fields.set(random.nextInt(fields.size()), text.toString());
      try {
        SharedView.fromReply(fields);
      } catch (IllegalArgumentException expected) {
        // refused
      }
    }
  }
}
