package sse.tools;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModuleLayoutTest {

    private static void pom(Path root, String module, String body) throws IOException {
        Path file = root.resolve(module).resolve("pom.xml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "<project>" + body + "</project>");
    }

    private static String addSource(String folder) {
        return "<build><plugins><plugin><artifactId>build-helper-maven-plugin</artifactId><executions><execution>"
                + "<configuration><sources><source>" + folder + "</source></sources></configuration>"
                + "</execution></executions></plugin></plugins></build>";
    }

    @Test
    @DisplayName("a folder that a module takes from outside itself, or that two modules compile, is reported")
    void shared_and_outside_folders_are_reported(@TempDir Path root) throws IOException {
        pom(root, "", "<modules><module>a</module><module>b</module><module>group</module></modules>"
                + "<build><plugins><plugin><artifactId>maven-compiler-plugin</artifactId>"
                + "<configuration><source>17</source></configuration></plugin></plugins></build>");
        pom(root, "a", addSource("${project.basedir}/../shared/java"));
        pom(root, "b", "<build><sourceDirectory>../a/src/main/java</sourceDirectory></build>");
        pom(root, "group", "<modules><module>c</module></modules>");
        pom(root, "group/c", addSource("${project.basedir}/src/extra/java"));

        List<String> problems = ModuleLayout.problems(root);

        assertEquals(List.of(
                "a/pom.xml: uses ${project.basedir}/../shared/java, a folder outside the module (shared/java);"
                        + " make the shared code a module and depend on it",
                "b/pom.xml: uses ../a/src/main/java, a folder outside the module (a/src/main/java);"
                        + " make the shared code a module and depend on it",
                "a/src/main/java: compiled by both a and b (IntelliJ keeps a folder in one module only)"),
                problems);
    }

    @Test
    @DisplayName("every source folder of this repository belongs to exactly one module, inside it")
    void this_repository_has_one_owner_per_folder() throws IOException {
        Path root = Tools.findRoot();
        assertTrue(ModuleLayout.modules(root).size() > 10, "the build lists its modules");
        assertEquals(List.of(), ModuleLayout.problems(root));
    }
}
