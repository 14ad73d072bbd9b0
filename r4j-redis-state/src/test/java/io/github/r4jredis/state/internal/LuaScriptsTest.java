package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
