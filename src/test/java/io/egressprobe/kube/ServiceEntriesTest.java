package io.egressprobe.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceEntriesTest {
    static List<ServiceEntries.Endpoint> endpointsOf(String fixture) throws IOException {
        return DestinationRulesTest.documents(fixture).stream().flatMap(d -> ServiceEntries.endpoints(
                d.at("/metadata/namespace").asText("default"), d.at("/metadata/name").asText(), d.get("spec")).stream()).toList();
    }

    @Test
    void shouldProbeEveryHostOnEveryTlsPortAndSkipPlainText() throws IOException {
        assertThat(endpointsOf("serviceentry-probe-targets.yaml")).extracting(e -> e.name() + " " + e.host() + ":" + e.port())
                .containsExactly(
                        "api-example-com-443 api.example.com:443",
                        "payments-partner-example-443 payments.partner.example:443",
                        "payments-partner-example-8443 payments.partner.example:8443",
                        "reports-partner-example-443 reports.partner.example:443",
                        "legacy-rr-example-net-443 legacy-rr.example.net:443");
        assertThat(endpointsOf("serviceentry-external-svc-https-doc-example.yaml")).extracting(ServiceEntries.Endpoint::host)
                .containsExactly("api.dropboxapi.com", "www.googleapis.com", "api.facebook.com");
    }

    @Test
    void shouldSkipWildcardHostsAndKeepLongNamesValidAndStable() throws IOException {
        JsonNode spec = DestinationRulesTest.YAML.readTree("""
                hosts: ["*.example.com", "a-very-long-host-name-that-goes-on.and-on.example-partner-services.internal"]
                ports: [ { number: 443, name: tls, protocol: TLS } ]
                """);

        List<ServiceEntries.Endpoint> endpoints = ServiceEntries.endpoints("ns", "se", spec);

        assertThat(endpoints).singleElement().satisfies(e -> {
            assertThat(e.name()).hasSizeLessThanOrEqualTo(63).matches("[a-z0-9_-]+");
            assertThat(e.name()).isEqualTo(ServiceEntries.endpoints("ns", "se", spec).get(0).name());
            assertThat(e.source()).isEqualTo("ns/se");
        });
    }
}
