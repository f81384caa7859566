package io.egressprobe.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressprobe.envoy.FilterChainMatch.Cidr;
import io.egressprobe.envoy.FilterChainMatch.SourceType;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Envoy's filter chain choice, with the cases of Envoy's own tests: envoyproxy/envoy
 * {@code test/common/listener_manager/listener_manager_impl_test.cc}, {@code ListenerManagerImplWithRealFiltersTest.*}
 * (each test here names the one it is taken from; its {@code findFilterChain(port, local address, SNI, transport,
 * ALPN, remote address, remote port)} calls are the {@link #find} calls here, and "no match" is an empty result).
 */
class FilterChainMatcherTest {
    private static final List<String> H2_HTTP11 = List.of("h2", "http/1.1");

    private static FilterChainMatch match(int port, List<Cidr> prefixes, List<String> serverNames, String transport,
                                          List<String> alpn, SourceType type, List<Cidr> sources, List<Integer> sourcePorts) {
        return new FilterChainMatch(port, prefixes, serverNames, transport, alpn, List.of(), type, sources, sourcePorts);
    }

    private static FilterChainMatch serverNames(String... names) {
        return match(0, List.of(), List.of(names), "", List.of(), SourceType.ANY, List.of(), List.of());
    }

    private static FilterChainMatch port(int port) {
        return match(port, List.of(), List.of(), "", List.of(), SourceType.ANY, List.of(), List.of());
    }

    private static FilterChainMatch prefix(String address, int length) {
        return match(0, List.of(Cidr.of(address, length)), List.of(), "", List.of(), SourceType.ANY, List.of(), List.of());
    }

    /** Envoy's test helper: the connection's local address is the destination, its remote address the source. */
    private static Optional<Integer> find(List<FilterChainMatch> chains, int port, String local, String sni, String transport,
                                          List<String> alpn, String remote, int remotePort) {
        InetAddress dst = FilterChainMatch.literal(local).orElseThrow();
        InetAddress src = FilterChainMatch.literal(remote).orElseThrow();
        boolean sameIpOrLoopback = src.isLoopbackAddress() || src.equals(dst); // Utility::isSameIpOrLoopback
        return FilterChainMatcher.find(chains, new FilterChainMatcher.Connection(port, Optional.of(dst), sni, transport, alpn,
                Optional.of(src), sameIpOrLoopback, Optional.of(src), remotePort)).chain();
    }

    @Test
    void singleFilterChainWithServerNamesMatch() {
        List<FilterChainMatch> chains = List.of(serverNames("server1.example.com"));
        assertThat(find(chains, 1234, "127.0.0.1", "", "tls", List.of(), "8.8.8.8", 111)).as("TLS client without SNI").isEmpty();
        assertThat(find(chains, 1234, "127.0.0.1", "www.example.com", "tls", List.of(), "8.8.8.8", 111)).isEmpty();
        assertThat(find(chains, 1234, "127.0.0.1", "server1.example.com", "tls", List.of(), "8.8.8.8", 111)).contains(0);
    }

    @Test
    void multipleFilterChainsWithServerNamesMatch() {
        List<FilterChainMatch> chains = List.of(FilterChainMatch.ANY, serverNames("server1.example.com"), serverNames("*.com"));
        assertThat(find(chains, 1234, "127.0.0.1", "", "tls", List.of(), "127.0.0.1", 111)).contains(0);
        assertThat(find(chains, 1234, "127.0.0.1", "server1.example.com", "tls", List.of(), "127.0.0.1", 111)).contains(1);
        assertThat(find(chains, 1234, "127.0.0.1", "server2.example.com", "tls", List.of(), "127.0.0.1", 111)).contains(2);
        assertThat(find(chains, 1234, "127.0.0.1", "www.wildcard.com", "tls", List.of(), "127.0.0.1", 111)).contains(2);
    }

    /** Exact before wildcard, and the longest wildcard first, whatever the order the chains are listed in. */
    @Test
    void serverNameSpecificityNotOrder() {
        List<FilterChainMatch> chains = List.of(serverNames("*.com"), serverNames("*.example.com"), serverNames("api.example.com"));
        assertThat(find(chains, 443, "192.0.2.1", "api.example.com", "tls", List.of(), "10.0.0.5", 40000)).contains(2);
        assertThat(find(chains, 443, "192.0.2.1", "www.example.com", "tls", List.of(), "10.0.0.5", 40000)).contains(1);
        assertThat(find(chains, 443, "192.0.2.1", "www.example.org", "tls", List.of(), "10.0.0.5", 40000)).isEmpty();
        assertThat(find(chains, 443, "192.0.2.1", "example.com", "tls", List.of(), "10.0.0.5", 40000))
                .as("*.example.com does not match example.com itself; *.com does").contains(0);
    }

    @Test
    void multipleFilterChainsWithDestinationPortMatch() {
        List<FilterChainMatch> chains = List.of(FilterChainMatch.ANY, port(8080), port(8081));
        assertThat(find(chains, 1234, "127.0.0.1", "", "tls", List.of(), "127.0.0.1", 111)).contains(0);
        assertThat(find(chains, 8080, "127.0.0.1", "", "tls", List.of(), "127.0.0.1", 111)).contains(1);
        assertThat(find(chains, 8081, "127.0.0.1", "", "tls", List.of(), "127.0.0.1", 111)).contains(2);
    }

    @Test
    void singleFilterChainWithDestinationPortMatch() {
        List<FilterChainMatch> chains = List.of(port(8080));
        assertThat(find(chains, 1234, "127.0.0.1", "", "tls", List.of(), "8.8.8.8", 111)).isEmpty();
        assertThat(find(chains, 8080, "127.0.0.1", "", "tls", List.of(), "8.8.8.8", 111)).contains(0);
    }

    @Test
    void multipleFilterChainsWithDestinationIpMatch() {
        List<FilterChainMatch> chains = List.of(FilterChainMatch.ANY, prefix("192.168.0.1", 32), prefix("192.168.0.0", 16));
        assertThat(find(chains, 1234, "127.0.0.1", "", "tls", List.of(), "127.0.0.1", 111)).contains(0);
        assertThat(find(chains, 1234, "192.168.0.1", "", "tls", List.of(), "127.0.0.1", 111)).contains(1);
        assertThat(find(chains, 1234, "192.168.1.1", "", "tls", List.of(), "192.168.1.1", 111)).contains(2);
    }

    @Test
    void singleFilterChainWithDestinationIpMatch() {
        List<FilterChainMatch> chains = List.of(prefix("127.0.0.0", 8));
        assertThat(find(chains, 1234, "1.2.3.4", "", "tls", List.of(), "8.8.8.8", 111)).isEmpty();
        assertThat(find(chains, 1234, "127.0.0.1", "", "tls", List.of(), "8.8.8.8", 111)).contains(0);
    }

    @Test
    void multipleFilterChainsWithTransportProtocolMatch() {
        List<FilterChainMatch> chains = List.of(FilterChainMatch.ANY,
                match(0, List.of(), List.of(), "tls", List.of(), SourceType.ANY, List.of(), List.of()));
        assertThat(find(chains, 1234, "127.0.0.1", "", "raw_buffer", List.of(), "127.0.0.1", 111)).contains(0);
        assertThat(find(chains, 1234, "127.0.0.1", "", "tls", List.of(), "127.0.0.1", 111)).contains(1);
    }

    @Test
    void multipleFilterChainsWithApplicationProtocolMatch() {
        List<FilterChainMatch> chains = List.of(FilterChainMatch.ANY,
                match(0, List.of(), List.of(), "", List.of("dummy", "h2"), SourceType.ANY, List.of(), List.of()));
        assertThat(find(chains, 1234, "127.0.0.1", "", "tls", List.of(), "127.0.0.1", 111)).contains(0);
        assertThat(find(chains, 1234, "127.0.0.1", "", "tls", H2_HTTP11, "127.0.0.1", 111)).contains(1);
    }

    /** A branch chosen by SNI is not left again: without the ALPN it requires, the connection gets no chain. */
    @Test
    void multipleFilterChainsWithMultipleRequirementsMatch() {
        List<FilterChainMatch> chains = List.of(FilterChainMatch.ANY, match(0, List.of(), List.of("www.example.com",
                "server1.example.com"), "tls", List.of("dummy", "h2"), SourceType.ANY, List.of(), List.of()));
        assertThat(find(chains, 1234, "127.0.0.1", "", "tls", List.of(), "127.0.0.1", 111)).contains(0);
        assertThat(find(chains, 1234, "127.0.0.1", "server1.example.com", "tls", List.of(), "127.0.0.1", 111))
                .as("SNI blackholed by configuration").isEmpty();
        assertThat(find(chains, 1234, "127.0.0.1", "", "tls", H2_HTTP11, "127.0.0.1", 111)).contains(0);
        assertThat(find(chains, 1234, "127.0.0.1", "server1.example.com", "tls", H2_HTTP11, "127.0.0.1", 111)).contains(1);
    }

    @Test
    void multipleFilterChainsWithSourceTypeMatch() {
        List<FilterChainMatch> chains = List.of(
                match(0, List.of(), List.of(), "", List.of(), SourceType.SAME_IP_OR_LOOPBACK, List.of(), List.of()),
                match(0, List.of(), List.of(), "", List.of("http/1.1"), SourceType.EXTERNAL, List.of(), List.of()),
                match(0, List.of(), List.of(), "", List.of(), SourceType.ANY, List.of(), List.of()));
        assertThat(find(chains, 1234, "127.0.0.1", "", "tls", H2_HTTP11, "127.0.0.1", 111))
                .as("LOCAL client with http/1.1: the ALPN branch holds only an EXTERNAL chain").isEmpty();
        assertThat(find(chains, 1234, "127.0.0.1", "", "tls", List.of(), "127.0.0.1", 111)).contains(0);
        assertThat(find(chains, 1234, "8.8.8.8", "", "tls", H2_HTTP11, "4.4.4.4", 111)).contains(1);
        assertThat(find(chains, 1234, "8.8.8.8", "", "tls", List.of(), "4.4.4.4", 111)).contains(2);
    }

    @Test
    void singleFilterChainWithSourceIpMatchAndSourcePortMatch() {
        List<FilterChainMatch> byIp = List.of(match(0, List.of(), List.of(), "", List.of(), SourceType.ANY,
                List.of(Cidr.of("10.0.0.1", 24)), List.of()));
        assertThat(find(byIp, 1234, "127.0.0.1", "", "tls", List.of(), "10.0.1.1", 111)).isEmpty();
        assertThat(find(byIp, 1234, "127.0.0.1", "", "tls", H2_HTTP11, "10.0.0.10", 111)).contains(0);
        assertThat(find(byIp, 1234, "127.0.0.1", "", "tls", List.of(), "2001:0db8:85a3:0000:0000:8a2e:0370:7334", 111)).isEmpty();
        List<FilterChainMatch> byPort = List.of(match(0, List.of(), List.of(), "", List.of(), SourceType.ANY, List.of(), List.of(100)));
        assertThat(find(byPort, 1234, "127.0.0.1", "", "tls", List.of(), "127.0.0.1", 100)).contains(0);
        assertThat(find(byPort, 1234, "8.8.8.8", "", "tls", H2_HTTP11, "4.4.4.4", 101)).isEmpty();
    }

    /** Istio 1.3's outbound chains: the pod's own address to BlackHoleCluster, the rest to the service. */
    @Test
    void shouldTakeAnUnknownDestinationAddressToBeOutsideTheRangesAndSaySo() {
        List<FilterChainMatch> chains = List.of(prefix("172.30.150.216", 32), FilterChainMatch.ANY);
        FilterChainMatcher.Result r = FilterChainMatcher.find(chains, new FilterChainMatcher.Connection(80, Optional.empty(),
                "", "raw_buffer", List.of("http/1.1"), Optional.empty(), false, Optional.empty(), 0));
        assertThat(r.chain()).contains(1);
        assertThat(r.assumptions()).singleElement().asString().contains("destination address is not known").contains("172.30.150.216/32");
    }

    @Test
    void shouldNameTheFieldOfABadRange() {
        assertThatThrownBy(() -> Cidr.of("a.b.c.d", 32)).hasMessageContaining("prefix_ranges").hasMessageContaining("a.b.c.d");
        assertThatThrownBy(() -> Cidr.of("10.0.0.0", 33)).hasMessageContaining("prefix_len 33");
    }
}
