package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.r4jredis.state.SyncMode;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** When a registry goes LOCAL and back, on times passed in, and which changes are logged. */
class ModeSwitchTest {

  private static final long MS = 1_000_000;
  private final ModeSwitch modes = new ModeSwitch(Duration.ofMillis(500), 0);

  @Test
  void goesLocalOnlyAfterLocalModeAfterWithWorkOutstanding() {
    assertThat(modes.goLocal(499 * MS, true)).as("not yet").isNull();
    assertThat(modes.goLocal(10_000 * MS, false)).as("nothing outstanding, nothing failed: an idle node").isNull();
    assertThat(modes.goLocal(500 * MS, true)).isEqualTo("no answer for 500 ms");
    assertThat(modes.mode()).isEqualTo(SyncMode.LOCAL);
    assertThat(modes.goLocal(900 * MS, true)).as("once").isNull();
  }

  /** Start-up (connecting, seeding every breaker, a cold JIT) is not news; Redis silent 5 s later is. */
  @Test
  void aRegistryRedisNeverAnsweredWarnsOnceAfterFiveSecondsInLocalMode() {
    assertThat(modes.answered()).isFalse();
    modes.failed("Redis failed: Unable to connect to Redis server: 127.0.0.1/127.0.0.1:6390");
    assertThat(modes.refusing()).as("no answer is not a refusal").isFalse();
    modes.goLocal(500 * MS, true);
    assertThat(modes.silenceToWarn(4_999 * MS)).isNull();
    assertThat(modes.silenceToWarn(5_000 * MS)).startsWith("Redis failed: Unable to connect").endsWith("for 5000 ms");
    assertThat(modes.silenceToWarn(9_000 * MS)).as("once").isNull();
  }

  /** A loaded box that answers 700 ms late is slow, not down: LOCAL at once, but no warning. */
  @Test
  void aShortSilenceAfterAnswersIsNoWarningALongOneIsOnePerSpell() {
    modes.succeeded(100 * MS);
    assertThat(modes.goLocal(700 * MS, true)).isEqualTo("no answer for 600 ms");
    assertThat(modes.silenceToWarn(5_099 * MS)).isNull();
    assertThat(modes.succeeded(1_400 * MS)).as("back within the grace").isTrue();
    assertThat(modes.silenceToWarn(5_100 * MS)).as("SHARED again: nothing to warn of").isNull();

    modes.goLocal(2_000 * MS, true);
    assertThat(modes.localMillis(2_300 * MS)).isEqualTo(300);
    assertThat(modes.silenceToWarn(6_399 * MS)).isNull();
    assertThat(modes.spellWarned()).isFalse();
    assertThat(modes.silenceToWarn(6_400 * MS)).isEqualTo("no answer for 5000 ms");
    assertThat(modes.spellWarned()).as("its end is told, whatever the quiet period").isTrue();
    assertThat(modes.silenceToWarn(20_000 * MS)).as("once per spell").isNull();
    modes.succeeded(21_000 * MS);
    modes.goLocal(21_600 * MS, true);
    assertThat(modes.silenceToWarn(26_000 * MS)).as("a new spell, a new warning").isEqualTo("no answer for 5000 ms");
  }

  /** Redis answering OOM or READONLY is not slow: the change is warned of at once, and only then. */
  @Test
  void aRefusalIsNoSilenceAndIsWarnedOfOnce() {
    modes.succeeded(100 * MS);
    modes.refused("Redis refuses the work: READONLY You can't write against a read only replica.");
    assertThat(modes.refusing()).isTrue();
    modes.goLocal(600 * MS, false);
    modes.warned();
    assertThat(modes.silenceToWarn(10_000 * MS)).as("warned already").isNull();
    modes.failed("");
    assertThat(modes.refusing()).as("then a timeout").isFalse();
    modes.succeeded(11_000 * MS);
    assertThat(modes.refusing()).isFalse();
  }

  @Test
  void aFailedPipelineCountsAsOutstandingWorkAndNamesWhatRedisAnswered() {
    modes.succeeded(100 * MS);
    modes.refused("Redis refuses the work: OOM command not allowed");
    assertThat(modes.failing()).isTrue();
    assertThat(modes.goLocal(599 * MS, false)).isNull();
    assertThat(modes.goLocal(600 * MS, false)).isEqualTo("Redis refuses the work: OOM command not allowed, for 500 ms");
  }

  @Test
  void aTimeoutIsReportedAsNoAnswer() {
    modes.failed("");
    assertThat(modes.goLocal(700 * MS, false)).isEqualTo("no answer for 700 ms");
  }

  @Test
  void theFirstSuccessEndsLocalModeAndOnlyThat() {
    assertThat(modes.succeeded(100 * MS)).as("already SHARED").isFalse();
    modes.goLocal(600 * MS, true);
    assertThat(modes.succeeded(700 * MS)).isTrue();
    assertThat(modes.mode()).isEqualTo(SyncMode.SHARED);
    assertThat(modes.failing()).isFalse();
    assertThat(modes.goLocal(1_199 * MS, true)).as("silent counted from the success").isNull();
  }

  @Test
  void aFlappingRedisLogsOneLinePerIncidentPerQuietPeriodAndCountsTheRest() {
    long t = 1_000 * MS;
    modes.goLocal(t, true);
    assertThat(modes.logChange(t)).as("the first incident").isTrue();
    modes.succeeded(t + MS);
    assertThat(modes.logChange(t + MS)).as("its end").isTrue();
    for (int i = 0; i < 3; i++) {
      long at = t + (10 + i) * 1_000 * MS;
      modes.failed("");
      modes.goLocal(at, true);
      assertThat(modes.logChange(at)).as("down again within the quiet period").isFalse();
      modes.succeeded(at + MS);
      assertThat(modes.logChange(at + MS)).as("up again, changes unlogged").isFalse();
    }
    long later = t + MS + ModeSwitch.LOG_QUIET_NANOS; // a quiet period after the last line
    modes.failed("");
    modes.goLocal(later, true);
    assertThat(modes.logChange(later)).isTrue();
    assertThat(modes.unloggedNote()).isEqualTo(" (6 more mode changes since the previous line: Redis flaps)");
    assertThat(modes.unloggedNote()).as("told once").isEmpty();
  }

  /** What an operator reads: a refusal at once as a warning, a start or a slow Redis as news only if it lasts. */
  @Test
  void theLinesOfAnOutageSayWhatHappenedAtTheLevelItDeserves() {
    String why = modes.goLocal(600 * MS, true);
    assertThat(modes.localLine(why, 12, "shop", false, 600 * MS)).isEqualTo(new ModeSwitch.Line(Level.INFO,
        "Redis has not answered yet (no answer for 600 ms): 12 circuit breakers under 'shop' decide locally until it does"));
    assertThat(modes.silenceLine(5_000 * MS, 12, "shop")).isEqualTo(new ModeSwitch.Line(Level.WARN,
        "Redis has not answered since the registry started (no answer for 5000 ms): 12 circuit breakers under 'shop'"
            + " decide locally until it does"));
    assertThat(modes.silenceLine(9_000 * MS, 12, "shop")).as("once").isNull();
    modes.succeeded(9_500 * MS);
    assertThat(modes.sharedLine(true, "shop", 9_500 * MS))
        .isEqualTo(new ModeSwitch.Line(Level.INFO, "Redis answers: circuit breakers under 'shop' follow the fleet"));

    modes.refused("Redis refuses the work: READONLY You can't write against a read only replica.");
    String refused = modes.goLocal(100_000 * MS, false);
    ModeSwitch.Line warning = modes.localLine(refused, 12, "shop", false, 100_000 * MS);
    assertThat(warning.level()).isEqualTo(Level.WARN);
    assertThat(warning.text()).isEqualTo("Redis refuses the work: READONLY You can't write against a read only replica.,"
        + " for 90500 ms: 12 circuit breakers under 'shop' decide locally until it does the work");
    assertThat(modes.silenceLine(200_000 * MS, 12, "shop")).as("warned of already").isNull();
    modes.succeeded(100_250 * MS);
    assertThat(modes.sharedLine(false, "shop", 100_250 * MS)).as("a warned outage's end is always told")
        .isEqualTo(new ModeSwitch.Line(Level.INFO,
            "Redis answers again after 250 ms: circuit breakers under 'shop' follow the fleet"));

    modes.failed("");
    String slow = modes.goLocal(101_000 * MS, true);
    assertThat(modes.localLine(slow, 12, "shop", false, 101_000 * MS).level()).as("within the quiet period")
        .isEqualTo(Level.DEBUG);
    assertThat(modes.localLine("registry closed", 12, "shop", true, 101_000 * MS)).isEqualTo(new ModeSwitch.Line(
        Level.INFO, "Registry under 'shop' closed: its 12 circuit breakers decide locally from now on"));
  }
}
