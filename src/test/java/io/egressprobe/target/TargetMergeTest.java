package io.egressprobe.target;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.config.Target;
import java.util.List;
import org.junit.jupiter.api.Test;

class TargetMergeTest {
    @Test
    void shouldKeepTheConfigsTargetWhereADiscoveredOneHasItsNameOrEndpoint() {
        List<Target> config = List.of(TargetDiffTest.target("identity", "login.example.com", TargetDiffTest.BASE));
        List<Target> discovered = List.of(
                TargetDiffTest.target("identity", "other.example.com", TargetDiffTest.BASE),           // same name
                TargetDiffTest.target("login-example-com-443", "login.example.com", TargetDiffTest.BASE), // same endpoint
                TargetDiffTest.target("pay-example-com-443", "pay.example.com", TargetDiffTest.BASE));

        assertThat(TargetMerge.merge(config, discovered)).extracting(t -> t.name() + " " + t.host())
                .containsExactly("identity login.example.com", "pay-example-com-443 pay.example.com");
    }
}
