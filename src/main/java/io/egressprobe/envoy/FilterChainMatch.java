package io.egressprobe.envoy;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A filter chain's {@code filter_chain_match} (envoyproxy/envoy {@code api/envoy/config/listener/v3/listener_components.proto},
 * {@code FilterChainMatch}), the fields {@link FilterChainMatcher} decides on. An empty list or string, and port 0,
 * is "no requirement", as in Envoy.
 *
 * @param destinationPort 0 where the chain names none
 * @param serverNames     lower-cased, as Envoy stores them ({@code addFilterChains}: {@code AsciiStrToLower})
 */
public record FilterChainMatch(int destinationPort, List<Cidr> prefixRanges, List<String> serverNames,
                               String transportProtocol, List<String> applicationProtocols,
                               List<Cidr> directSourcePrefixRanges, SourceType sourceType,
                               List<Cidr> sourcePrefixRanges, List<Integer> sourcePorts) {
    public static final FilterChainMatch ANY = new FilterChainMatch(0, List.of(), List.of(), "", List.of(), List.of(),
            SourceType.ANY, List.of(), List.of());

    public FilterChainMatch {
        prefixRanges = List.copyOf(prefixRanges);
        serverNames = serverNames.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList();
        applicationProtocols = List.copyOf(applicationProtocols);
        directSourcePrefixRanges = List.copyOf(directSourcePrefixRanges);
        sourcePrefixRanges = List.copyOf(sourcePrefixRanges);
        sourcePorts = List.copyOf(sourcePorts);
    }

    /** {@code ConnectionSourceType}: {@code SAME_IP_OR_LOOPBACK} is what older Envoys called {@code LOCAL}. */
    public enum SourceType {
        ANY, SAME_IP_OR_LOOPBACK, EXTERNAL;

        static SourceType of(String name) {
            return switch (name) {
                case "SAME_IP_OR_LOOPBACK", "LOCAL" -> SAME_IP_OR_LOOPBACK;
                case "EXTERNAL" -> EXTERNAL;
                default -> ANY;
            };
        }
    }

    /** Whether the chain sets no requirement at all: Istio's catch-all chains. */
    public boolean matchesAll() {
        return equals(ANY);
    }

    /**
     * A {@code CidrRange}: an address literal and a prefix length. Only literals are parsed, never names: a range is
     * config, and nothing here may ask a resolver.
     */
    public record Cidr(InetAddress prefix, int length) {
        private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

        /** @throws IllegalArgumentException naming the field, where it is not an address literal or the length does not fit */
        public static Cidr of(String address, int length) {
            if (!IPV4.matcher(address).matches() && !address.contains(":")) {
                throw new IllegalArgumentException("prefix_ranges: address_prefix '" + address + "' is not an IP address");
            }
            InetAddress parsed;
            try {
                parsed = InetAddress.getByName(address); // a literal: parsed, not resolved
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("prefix_ranges: address_prefix '" + address + "' is not an IP address");
            }
            int bits = parsed.getAddress().length * 8;
            if (length < 0 || length > bits) {
                throw new IllegalArgumentException("prefix_ranges: prefix_len " + length + " does not fit " + address);
            }
            return new Cidr(parsed, length);
        }

        /** The catch-all of an address's family ({@code 0.0.0.0/0} or {@code ::/0}): Envoy's range for "no ranges". */
        static Cidr catchAll(InetAddress of) {
            return new Cidr(of, 0);
        }

        public boolean contains(InetAddress address) {
            byte[] a = address.getAddress();
            byte[] p = prefix.getAddress();
            if (a.length != p.length) {
                return false;
            }
            int shift = a.length * 8 - length;
            return new BigInteger(1, a).shiftRight(shift).equals(new BigInteger(1, p).shiftRight(shift));
        }

        /** The same range however it was written (Envoy keys its tries by {@code CidrRange::asString}). */
        String key() {
            byte[] p = prefix.getAddress();
            int shift = p.length * 8 - length;
            return p.length + "/" + new BigInteger(1, p).shiftRight(shift) + "/" + length;
        }

        @Override
        public String toString() {
            return prefix.getHostAddress() + "/" + length;
        }
    }

    /** The address literal of {@code text}, where it is one; never a lookup. */
    public static Optional<InetAddress> literal(String text) {
        try {
            return Optional.of(Cidr.of(text, 0).prefix());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
