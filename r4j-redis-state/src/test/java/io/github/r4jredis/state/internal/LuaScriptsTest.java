package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.r4jredis.state.internal.LuaScripts.Arg;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Java side of the wire format names exactly what the Lua side reads and returns. */
class LuaScriptsTest {

  private static List<String> table(String lua, String name) {
    Matcher m = Pattern.compile("local " + name + " = \\{([^}]*)\\}", Pattern.DOTALL).matcher(lua);
    assertThat(m.find()).as("table %s", name).isTrue();
    return Arrays.stream(m.group(1).split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .map(s -> s.replace("'", ""))
        .toList();
  }

  @Test
  void everyScriptReadsTheArgumentsItsJavaTableNamesInTheSameOrder() {
    for (LuaScripts script : LuaScripts.values()) {
      List<String> java = script.args().stream().map(LuaScripts.Arg::luaName).toList();
      assertThat(table(script.entryText(), "ARGS")).as(script.file()).isEqualTo(java);
    }
  }

  @Test
  void everyReplyHasTheFieldsOfTheJavaParserInTheSameOrder() {
    String common = LuaScripts.READ.text();
    List<String> java = Arrays.stream(SharedView.Field.values()).map(SharedView.Field::luaName).toList();
    assertThat(table(common, "REPLY")).isEqualTo(java);
  }

  @Test
  void argumentsAreSetByNameAndUnsetOnesAreEmpty() {
    LuaScripts.ArgList args = LuaScripts.VERDICT.call().set(LuaScripts.Arg.NODE, "n1")
        .set(LuaScripts.Arg.EPISODE, 7);

    assertThat(args.toList()).containsExactly("", "", "", "n1", "", "", "7", "");
    assertThatThrownBy(() -> args.set(LuaScripts.Arg.SEQ, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("VERDICT has no argument SEQ");
  }

  @Test
  void eachRequestSetsItsOwnScriptsArguments() {
    LuaScripts.ArgList flush = LuaScripts.call(new LuaScripts.Flush(7, 3, LuaScripts.SeedMode.IF_BEHIND, 5,
        List.of("0|0,0,0,0|s4")));
    assertThat(flush.script()).isEqualTo(LuaScripts.FLUSH);
    assertThat(List.of(flush.get(Arg.SEQ), flush.get(Arg.RENEW), flush.get(Arg.SEED_MODE), flush.get(Arg.EPOCH)))
        .containsExactly("7", "3", "2", "5");
    assertThat(flush.toList()).endsWith("5", "0|0,0,0,0|s4");

    LuaScripts.ArgList claim = LuaScripts.call(new LuaScripts.Claim(LuaScripts.Want.RELEASE, 9));
    assertThat(List.of(claim.get(Arg.WANT), claim.get(Arg.EXPECT))).containsExactly("release", "9");

    LuaScripts.ArgList verdict = LuaScripts.call(new LuaScripts.Verdict(4, State.OPEN));
    assertThat(List.of(verdict.get(Arg.EPISODE), verdict.get(Arg.VERDICT))).containsExactly("4", "OPEN");
    assertThatThrownBy(() -> new LuaScripts.Verdict(4, State.HALF_OPEN)).isInstanceOf(IllegalArgumentException.class);

    LuaScripts.ArgList command = LuaScripts.call(new LuaScripts.Command("OPEN_FOR", 1500,
        LuaScripts.SeedMode.IF_MISSING, 11, State.CLOSED, 8, true));
    assertThat(List.of(command.get(Arg.OP), command.get(Arg.WAIT), command.get(Arg.SEED_MODE), command.get(Arg.CMD_SEQ),
        command.get(Arg.EXPECT_STATE), command.get(Arg.EXPECT_VERSION), command.get(Arg.RESERVE)))
        .containsExactly("OPEN_FOR", "1500", "1", "11", "CLOSED", "8", "1");
    LuaScripts.ArgList operator = LuaScripts.call(LuaScripts.Command.operator("RESET", LuaScripts.SeedMode.NONE));
    assertThat(List.of(operator.get(Arg.SEED_MODE), operator.get(Arg.EXPECT_STATE), operator.get(Arg.RESERVE)))
        .as("no expectation: the script applies it to any state").containsExactly("0", "", "0");

    assertThat(LuaScripts.call(new LuaScripts.Read()).toList()).hasSize(Arg.COMMON.size()).allMatch(String::isEmpty);
  }
}
