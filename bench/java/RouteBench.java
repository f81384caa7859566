import io.egressprobe.envoy.ConfigDumpParser;
import io.egressprobe.envoy.SidecarConfig;
import io.egressprobe.route.Destination;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What following the sidecar's listeners costs: parsing a whole config dump (clusters and listeners; a worker thread,
 * once every envoy.refresh) and resolving one target's topology (the event loop, for every target at each refresh).
 * Run by bench/route.sh.
 */
public final class RouteBench {
    public static void main(String[] args) throws Exception {
        String body = Files.readString(Path.of(args[0]));
        int rounds = 20;
        for (int round = 0; round < 3; round++) {
            long start = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                ConfigDumpParser.parse(body);
                ConfigDumpParser.parseListeners(List.of(body));
            }
            System.out.printf("parse, round %d: %.1f ms for clusters and listeners of %,d bytes%n", round,
                    (System.nanoTime() - start) / 1e6 / rounds, body.length());
        }
        SidecarConfig config = new SidecarConfig(ConfigDumpParser.parse(body),
                Optional.of(ConfigDumpParser.parseListeners(List.of(body))), "bench", Optional.empty());
        int lookups = 200_000;
        for (int round = 0; round < 3; round++) {
            long start = System.nanoTime();
            for (int i = 0; i < lookups; i++) {
                config.topology(new Destination("t" + (i % 1000) + ".example.com", 443));
            }
            System.out.printf("topology, round %d: %.1f us per target over %d listeners%n", round,
                    (System.nanoTime() - start) / 1e3 / lookups, config.listeners().orElseThrow().listeners().size());
        }
    }
}
