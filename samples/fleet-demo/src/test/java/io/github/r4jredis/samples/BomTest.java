package io.github.r4jredis.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/**
 * r4j-redis-bom pins every library module of the build, at the build's version, and nothing
 * else: it has no parent (whose dependencyManagement an import would bring along), so nothing
 * but this test keeps it in step with the modules.
 */
class BomTest {

  /** Modules of the build that are not published as libraries. */
  private static final Set<String> NOT_LIBRARIES = Set.of("r4j-redis-bom", "samples", "benchmarks");

  private static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();
  private static final XPath XPATH = XPathFactory.newInstance().newXPath();

  @Test
  void theBomPinsEveryLibraryModuleAtTheBuildsVersionAndNothingElse() throws Exception {
    Document parent = read(ROOT.resolve("pom.xml"));
    Document bom = read(ROOT.resolve("r4j-redis-bom/pom.xml"));
    List<String> libraries = new ArrayList<>();
    for (String module : texts(parent, "/project/modules/module")) {
      if (!NOT_LIBRARIES.contains(module)) {
        libraries.add(text(read(ROOT.resolve(module).resolve("pom.xml")), "/project/artifactId"));
      }
    }

    assertThat(texts(parent, "/project/modules/module")).as("the BOM is built").contains("r4j-redis-bom");
    assertThat(text(bom, "/project/version")).isEqualTo(text(parent, "/project/version"));
    assertThat(text(bom, "/project/groupId")).isEqualTo(text(parent, "/project/groupId"));
    assertThat(texts(bom, "/project/parent")).as("no parent").isEmpty();
    String managed = "/project/dependencyManagement/dependencies/dependency";
    assertThat(texts(bom, managed + "/artifactId")).containsExactlyInAnyOrderElementsOf(libraries);
    assertThat(texts(bom, managed + "/groupId")).containsOnly(text(parent, "/project/groupId"));
    assertThat(texts(bom, managed + "/version")).containsOnly("${project.version}");
  }

  private static Document read(Path pom) throws Exception {
    assertThat(pom).exists();
    return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Files.newInputStream(pom));
  }

  private static String text(Document pom, String path) throws Exception {
    return XPATH.evaluate(path, pom).trim();
  }

  private static List<String> texts(Document pom, String path) throws Exception {
    NodeList nodes = (NodeList) XPATH.evaluate(path, pom, XPathConstants.NODESET);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      texts.add(nodes.item(i).getTextContent().trim());
    }
    return texts;
  }
}
