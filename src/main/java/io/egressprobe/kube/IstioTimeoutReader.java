package io.egressprobe.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Follows the Istio resources that set connect timeouts: every DestinationRule the probe may list, through an
 * informer (one LIST and then a watch per pod, instead of a LIST of every DestinationRule of the cluster every
 * refresh: at 500 nodes and 60 s, about 8 a second), and the mesh ConfigMap of its control plane ({@code istio}, or
 * {@code istio-<revision>} when its own Pod says it belongs to a revision, read once), one GET of one object per
 * read. {@link #read} answers the rules from the informer's cache, and starts it again where it could not start
 * (RBAC, a missing CRD, an unreachable API server). Each part fails on its own, with a status saying why. Blocking:
 * call from a worker thread.
 */
public final class IstioTimeoutReader implements AutoCloseable {
    static final String ISTIO_NAMESPACE = "istio-system";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final Optional<PodEventRecorder.PodRef> ownPod;
    /** Written by {@link #read}, closed by {@link #close} from another thread while a read may still be blocked. */
    private volatile SharedIndexInformer<GenericKubernetesResource> destinationRules;
    private volatile boolean closed;
    /** 0 while the informer may be started; from 1 on, the reads done by listing since the watch was refused. */
    private int readsSinceWatchRefused;
    /** The revision's ConfigMap name, read once from the own Pod: its label does not change while it runs. */
    private String meshConfigName;
    /** The own Pod's labels, read with its revision (once: a Pod's labels seldom change, and a change restarts nothing). */
    private Optional<Map<String, String>> ownLabels = Optional.empty();
    /** The probed hosts whose gateway VirtualServices are followed; a new set starts the informer again (one LIST). */
    private Set<String> hosts = Set.of();
    /** Written by {@link #read}, closed by {@link #close} from another thread. */
    private volatile SharedIndexInformer<GenericKubernetesResource> virtualServices;
    private GatewayVirtualServices virtualServiceStore;
    /** 0 while the VirtualService informer may be started; from 1 on, the reads since the API server refused it. */
    private int readsSinceVirtualServicesRefused;
    private String virtualServicesRefusal = "";

    /**
     * What the cluster says, and how each read went ({@code "ok"} or why not).
     *
     * @param mesh      the mesh config's root namespace and default {@code exportTo} (Istio's defaults where unread)
     * @param ownLabels the probe's own pod labels (DestinationRule {@code workloadSelector}), where its Pod was read
     * @param meshDefaultConnectTimeout the mesh config's {@code defaultTrafficPolicy.connectionPool.tcp.connectTimeout}
     * @param istioVersion the release that installed the control plane (its ConfigMap's {@code app.kubernetes.io/version})
     * @param gatewayRoutes the VirtualServices bound to a Gateway for a probed host, pruned ({@link GatewayVirtualServices})
     * @param virtualServicesStatus how following them goes: {@code ok}, or why not (the gateway legs then keep the
     *                              target's port, as without them)
     */
    public record Snapshot(List<DestinationRules.Rule> destinationRules, String destinationRulesStatus,
                           Optional<Duration> meshConnectTimeout, String meshConfigStatus, DestinationRuleIndex.Mesh mesh,
                           Optional<Map<String, String>> ownLabels, Optional<Duration> meshDefaultConnectTimeout,
                           Optional<io.egressprobe.route.IstioVersion> istioVersion,
                           List<GatewayRoutes.Service> gatewayRoutes, String virtualServicesStatus) {
        public Snapshot {
            gatewayRoutes = List.copyOf(gatewayRoutes);
        }

        /** The gateway VirtualServices are followed; where not, each gateway's leg is taken to keep the target's port. */
        public boolean virtualServicesRead() {
            return virtualServicesStatus.equals(OK);
        }

        public boolean destinationRulesRead() {
            return destinationRulesStatus.startsWith(OK);
        }

        /** Followed by a watch, as the informer does; false where they are listed every refresh or unreadable. */
        public boolean destinationRulesWatched() {
            return destinationRulesStatus.equals(OK);
        }

        /** A mesh config that does not exist was read fine: the source just has nothing to say. */
        public boolean meshConfigRead() {
            return !meshConfigStatus.startsWith(UNAVAILABLE) && !meshConfigStatus.startsWith(UNREADABLE);
        }
    }

    private static final String OK = "ok";
    /** Read, but by a LIST every refresh: the load the informer exists to avoid, and a fix for whoever reads this. */
    private static final String WATCH_REFUSED = OK + ", listed every refresh: watch forbidden (RBAC: grant watch on"
            + " destinationrules.networking.istio.io)";
    /** About 30 minutes at the default 60 s refresh: a LIST and a refused WATCH that often cost nothing to speak of. */
    static final int READS_BEFORE_WATCHING_AGAIN = 30;
    private static final String UNAVAILABLE = "unavailable: ";
    private static final String UNREADABLE = "unreadable ";

    public IstioTimeoutReader(KubernetesClient client, Optional<PodEventRecorder.PodRef> ownPod) {
        this.client = client;
        this.ownPod = ownPod;
    }

    /**
     * {@link #read()}, following the gateway VirtualServices of {@code probedHosts} from now on (the others are not
     * kept: a gateway VirtualService of another host is never asked for).
     */
    public synchronized Snapshot read(Set<String> probedHosts) {
        hosts = Set.copyOf(probedHosts);
        return read();
    }

    public synchronized Snapshot read() {
        List<DestinationRules.Rule> rules = List.of();
        String rulesStatus;
        try {
            if (destinationRules == null) {
                // The served version is found with a LIST (the informer's own start would not say 404 as such); where
                // the watch is refused, that one LIST is the read.
                IstioNetworking.Served<List<GenericKubernetesResource>> listed = IstioNetworking.read(client,
                        "DestinationRule", "destinationrules", context -> IstioNetworking.list(client, context, ""));
                if (readsSinceWatchRefused > 0 && readsSinceWatchRefused < READS_BEFORE_WATCHING_AGAIN) {
                    readsSinceWatchRefused++;
                } else {
                    destinationRules = inform(listed.context());
                }
                if (destinationRules == null) {
                    return withMeshConfig(listed.value().stream().map(IstioTimeoutReader::rule).toList(), WATCH_REFUSED);
                }
            }
            rules = destinationRules.getStore().list().stream().map(IstioTimeoutReader::rule).toList();
            rulesStatus = destinationRules.isWatching() ? OK : UNAVAILABLE + "the watch is lost and retrying (rules as last seen)";
        } catch (KubernetesClientException e) {
            rulesStatus = UNAVAILABLE + describe(e);
        }
        return withMeshConfig(rules, rulesStatus);
    }

    /**
     * The informer on the served version, started; {@code null} where the API server refuses the watch (RBAC without
     * {@code watch}): then the reads list, one LIST each, and try the watch again after
     * {@link #READS_BEFORE_WATCHING_AGAIN} of them, so that a role fixed later is picked up without a restart.
     */
    private SharedIndexInformer<GenericKubernetesResource> inform(ResourceDefinitionContext served) {
        SharedIndexInformer<GenericKubernetesResource> informer = client.genericKubernetesResources(served).inAnyNamespace()
                .runnableInformer(0);
        try {
            informer.run();
        } catch (KubernetesClientException e) {
            informer.close();
            if (e.getCode() != 403) {
                throw e;
            }
            // The LIST just before was allowed: what is refused is the watch.
            readsSinceWatchRefused = 1;
            return null;
        }
        readsSinceWatchRefused = 0;
        if (closed) {
            informer.close();
        }
        return informer;
    }

    /** What the VirtualService informer holds, and how it goes; it is started (again) here where it is not running. */
    private record GatewayRead(List<GatewayRoutes.Service> services, String status) {}

    /**
     * The gateway VirtualServices through their own informer, pruned as they arrive ({@link GatewayVirtualServices}). A
     * refused LIST or WATCH (RBAC), a missing CRD, an unreachable API server cost this feature only: the gateway legs
     * keep the target's port and the status says why; a refusal or a missing CRD is tried again after
     * {@link #READS_BEFORE_WATCHING_AGAIN} reads, any other failure at the next read. When the probed hosts change, the
     * running informer serves until its successor runs.
     */
    private GatewayRead virtualServices() {
        SharedIndexInformer<GenericKubernetesResource> informer = virtualServices;
        // The probed hosts changed: the store filtered by the old ones. The old informer serves until the new one runs.
        boolean hostsChanged = informer != null && !virtualServiceStore.hosts().equals(hosts);
        if (informer == null || hostsChanged) {
            if (informer == null && readsSinceVirtualServicesRefused > 0
                    && readsSinceVirtualServicesRefused < READS_BEFORE_WATCHING_AGAIN) {
                readsSinceVirtualServicesRefused++;
                return new GatewayRead(List.of(), virtualServicesRefusal);
            }
            try {
                SharedIndexInformer<GenericKubernetesResource> next = informVirtualServices();
                if (hostsChanged) {
                    informer.close();
                }
                informer = next;
            } catch (KubernetesClientException e) {
                if (hostsChanged) {
                    return new GatewayRead(virtualServiceStore.services(), UNAVAILABLE + describe(e)
                            + " (following the new hosts' VirtualServices; the routes of the others as last seen, tried again next read)");
                }
                // Only a refusal or a missing CRD waits before the next try; anything else is tried again next read.
                readsSinceVirtualServicesRefused = e.getCode() == 403 || e.getCode() == 404 ? 1 : 0;
                virtualServicesRefusal = UNAVAILABLE + describe(e) + (e.getCode() == 403 ? ": grant list and watch on"
                        + " virtualservices.networking.istio.io; each egress gateway's leg keeps the target's port" : "");
                return new GatewayRead(List.of(), virtualServicesRefusal);
            }
        }
        return new GatewayRead(virtualServiceStore.services(), informer.isWatching() ? OK
                : UNAVAILABLE + "the watch is lost and retrying (VirtualServices as last seen)");
    }

    /**
     * The served version is found with a LIST of one item (a LIST of all would hold every VirtualService of the mesh at
     * once); the informer then lists and watches into the pruning store.
     */
    private SharedIndexInformer<GenericKubernetesResource> informVirtualServices() {
        ResourceDefinitionContext served = IstioNetworking.read(client, "VirtualService", "virtualservices",
                IstioNetworking.VIRTUAL_SERVICE_VERSIONS, context -> {
                    client.genericKubernetesResources(context).inAnyNamespace()
                            .list(new io.fabric8.kubernetes.api.model.ListOptionsBuilder().withLimit(1L).build());
                    return context;
                }).value();
        GatewayVirtualServices store = new GatewayVirtualServices(hosts);
        SharedIndexInformer<GenericKubernetesResource> informer = client.genericKubernetesResources(served).inAnyNamespace()
                .runnableInformer(0).itemStore(store);
        try {
            informer.run();
        } catch (KubernetesClientException e) {
            informer.close();
            throw e;
        }
        readsSinceVirtualServicesRefused = 0;
        virtualServiceStore = store;
        virtualServices = informer;
        if (closed) {
            informer.close();
        }
        return informer;
    }

    private Snapshot withMeshConfig(List<DestinationRules.Rule> rules, String rulesStatus) {
        GatewayRead gateways = virtualServices();
        Optional<Duration> mesh = Optional.empty();
        Optional<Duration> baseline = Optional.empty();
        Optional<io.egressprobe.route.IstioVersion> version = Optional.empty();
        DestinationRuleIndex.Mesh lookup = DestinationRuleIndex.Mesh.DEFAULT;
        String meshStatus;
        String name = meshConfigName();
        try {
            ConfigMap cm = client.configMaps().inNamespace(ISTIO_NAMESPACE).withName(name).get();
            if (cm == null || cm.getData() == null || !cm.getData().containsKey("mesh")) {
                meshStatus = "no ConfigMap " + ISTIO_NAMESPACE + "/" + name + " with a mesh key";
            } else {
                mesh = MeshConfig.connectTimeout(cm.getData().get("mesh"));
                baseline = MeshConfig.defaultConnectTimeout(cm.getData().get("mesh"));
                version = MeshConfig.version(cm.getMetadata() == null ? null : cm.getMetadata().getLabels());
                lookup = MeshConfig.destinationRules(cm.getData().get("mesh"));
                meshStatus = OK + " (" + ISTIO_NAMESPACE + "/" + name + ")";
            }
        } catch (KubernetesClientException e) {
            meshStatus = UNAVAILABLE + describe(e);
        } catch (IllegalArgumentException e) {
            meshStatus = UNREADABLE + ISTIO_NAMESPACE + "/" + name + ": " + e.getMessage();
        }
        return new Snapshot(rules, rulesStatus, mesh, meshStatus, lookup, ownLabels, baseline, version, gateways.services(),
                gateways.status());
    }

    /**
     * Stops the informer and waits a little for its watch to end; never for a read under way (a silent API server
     * holds one for the client's request timeout): a read that starts the informer after this closes it itself.
     */
    @Override
    public void close() {
        closed = true;
        for (SharedIndexInformer<GenericKubernetesResource> informer : java.util.Arrays.asList(virtualServices, destinationRules)) {
            stop(informer);
        }
    }

    private static void stop(SharedIndexInformer<GenericKubernetesResource> informer) {
        if (informer == null) {
            return;
        }
        informer.close();
        try {
            informer.stopped().toCompletableFuture().get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // closed as far as this client goes; the server ends the watch on its side
        }
    }

    private static DestinationRules.Rule rule(GenericKubernetesResource r) {
        Object spec = r.getAdditionalProperties().get("spec");
        JsonNode node = JSON.valueToTree(spec == null ? Map.of() : spec);
        String created = r.getMetadata().getCreationTimestamp();
        return new DestinationRules.Rule(r.getMetadata().getNamespace(), r.getMetadata().getName(), node,
                created(created));
    }

    /** {@code metadata.creationTimestamp} (RFC 3339); where absent or unreadable, Go's zero time, which sorts first. */
    static Instant created(String timestamp) {
        try {
            return timestamp == null || timestamp.isEmpty() ? Instant.EPOCH : Instant.parse(timestamp);
        } catch (java.time.format.DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }

    /** {@code istio} or {@code istio-<revision>}; until the own Pod could be read, {@code istio}. */
    private String meshConfigName() {
        if (meshConfigName != null) {
            return meshConfigName;
        }
        Optional<Optional<String>> revision = revision();
        String name = MeshConfig.configMapName(revision.orElse(Optional.empty()));
        if (revision.isPresent()) {
            meshConfigName = name;
        }
        return name;
    }

    /**
     * The control-plane revision the probe's own Pod belongs to, from its {@code istio.io/rev} label (inner empty: no
     * revision); empty where the Pod cannot be read now (then {@code istio}, the default control plane's, until it can).
     */
    private Optional<Optional<String>> revision() {
        if (ownPod.isEmpty()) {
            return Optional.of(Optional.empty());
        }
        try {
            Optional<Map<String, String>> labels = CoreMetadata.pod(client, ownPod.get().namespace(), ownPod.get().name())
                    .map(m -> m.getLabels() == null ? Map.of() : Map.copyOf(m.getLabels()));
            ownLabels = labels;
            return Optional.of(labels.map(l -> l.get("istio.io/rev")));
        } catch (KubernetesClientException e) {
            return Optional.empty();
        }
    }

    private static String describe(KubernetesClientException e) {
        return e.getCode() == 403 ? "forbidden (RBAC)" : e.getCode() == 404 ? "not found (CRD not installed?)"
                : e.getCode() > 0 ? "HTTP " + e.getCode() : String.valueOf(e.getMessage());
    }
}
