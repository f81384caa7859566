package io.egressprobe.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Dockerfile's structure. No image can be built on the development and CI machines (no Docker
 * engine), so this reads the instructions: stages, user, entrypoint, labels, what the runtime holds.
 */
class DockerfileTest {
    record Instruction(String keyword, String args) {}

    static List<Instruction> instructions() throws IOException {
        List<Instruction> result = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(Path.of("Dockerfile"))) {
            if (line.isBlank() || line.stripLeading().startsWith("#")) {
                continue;
            }
            current.append(line.strip());
            if (line.endsWith("\\")) {
                current.setLength(current.length() - 1);
                current.append(' ');
                continue;
            }
            String text = current.toString();
            int space = text.indexOf(' ');
            result.add(new Instruction(text.substring(0, space).toUpperCase(), text.substring(space + 1).strip()));
            current.setLength(0);
        }
        return result;
    }

    static List<Instruction> runtimeStage() throws IOException {
        List<Instruction> all = instructions();
        int lastFrom = 0;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).keyword().equals("FROM")) {
                lastFrom = i;
            }
        }
        return all.subList(lastFrom, all.size());
    }

    @Test
    void shouldBuildInOneStageAndRunFromAnotherWithoutBuildTools() throws IOException {
        List<Instruction> froms = instructions().stream().filter(i -> i.keyword().equals("FROM")).toList();
        List<Instruction> runtime = runtimeStage();

        assertThat(froms).hasSize(2);
        assertThat(froms.get(0).args()).contains("maven").endsWith("AS build")
                .as("built once on the builder's platform, for every target platform").startsWith("--platform=$BUILDPLATFORM");
        assertThat(froms.get(1).args()).as("the runtime stage is each target platform's").doesNotContain("--platform");
        assertThat(runtime.get(0).args()).doesNotContain("maven", "jdk");
        assertThat(runtime).as("nothing installed or built at runtime").noneMatch(i -> i.keyword().equals("RUN"));
        assertThat(runtime).anySatisfy(i -> assertThat(i.args()).startsWith("--from=build").contains("egress-probe.jar"));
    }

    @Test
    void shouldRunAsANumericNonRootUserThatIsNotIstiosProxyUid() throws IOException {
        List<Instruction> users = runtimeStage().stream().filter(i -> i.keyword().equals("USER")).toList();

        assertThat(users).hasSize(1);
        String user = users.get(0).args().split(":")[0];
        assertThat(user).matches("\\d+");
        assertThat(Integer.parseInt(user)).isNotIn(0, 1337);
    }

    @Test
    void shouldStartTheDaemonInExecFormWithTheMeasuredJvmFlags() throws IOException {
        ObjectMapper json = new ObjectMapper();
        JsonNode entrypoint = json.readTree(runtimeStage().stream().filter(i -> i.keyword().equals("ENTRYPOINT"))
                .findFirst().orElseThrow().args());
        JsonNode cmd = json.readTree(runtimeStage().stream().filter(i -> i.keyword().equals("CMD")).findFirst().orElseThrow().args());

        assertThat(entrypoint.isArray()).as("exec form").isTrue();
        assertThat(entrypoint.toString()).isEqualTo("[\"java\",\"@/app/jvm.options\",\"-jar\",\"/app/egress-probe.jar\"]");
        assertThat(runtimeStage()).anySatisfy(i -> assertThat(i.args()).isEqualTo("jvm.options /app/jvm.options"));
        // A fixed heap, not a share of the node: a DaemonSet pod must not grow with the node it lands on.
        List<String> flags = Files.readAllLines(Path.of("jvm.options")).stream().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertThat(flags).contains("-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-Djava.io.tmpdir=/tmp")
                .anyMatch(f -> f.matches("-Xmx\\d+m")).noneMatch(f -> f.contains("RAMPercentage"));
        assertThat(runtimeStage()).anySatisfy(i -> assertThat(i.args()).isEqualTo("MALLOC_ARENA_MAX=2"));
        assertThat(cmd.toString()).isEqualTo("[\"run\",\"--config\",\"/etc/egress-probe/config.yaml\"]");
    }

    @Test
    void shouldCarryOciLabelsAndKeepTheContextSmall() throws IOException {
        assertThat(runtimeStage()).anySatisfy(i -> {
            assertThat(i.keyword()).isEqualTo("LABEL");
            assertThat(i.args()).contains("org.opencontainers.image.title", "org.opencontainers.image.version");
        });
        assertThat(Files.readAllLines(Path.of(".dockerignore"))).contains("target/", ".git/");
    }

    /** The image says the version the jar says: the label comes from the build argument whose default is the pom's. */
    @Test
    void shouldLabelTheImageWithThePomsVersionByDefault() throws Exception {
        String pomVersion = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(Path.of("pom.xml").toFile()).getDocumentElement().getElementsByTagName("version").item(0).getTextContent();
        // The first <version> element of the pom is the project's own (it precedes every dependency and plugin).
        assertThat(instructions()).filteredOn(i -> i.keyword().equals("ARG") && i.args().startsWith("VERSION="))
                .singleElement().satisfies(i -> assertThat(i.args()).isEqualTo("VERSION=" + pomVersion));
        assertThat(runtimeStage()).anySatisfy(i -> assertThat(i.args())
                .contains("org.opencontainers.image.version=\"${VERSION}\"", "org.opencontainers.image.revision=\"${REVISION}\""));
    }
}
