package io.egressprobe.kube;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.temporal.ChronoUnit;

/**
 * Records core/v1 Events on the probe's own Pod. The same alert, target and type always map to the
 * same Event, whose {@code count} and {@code lastTimestamp} grow, as Kubernetes' own event correlator
 * aggregates repeats, rather than a new object per occurrence. Blocking: call from a worker thread.
 */
public final class PodEventRecorder {
    static final int MAX_MESSAGE = 1024;

    private final KubernetesClient client;
    private final PodRef pod;
    private final String node;
    private final Clock clock;
    private volatile String podUid;

    /** The Pod the events are about, from the downward API. */
    public record PodRef(String namespace, String name) {}

    /** @param correlation what makes two occurrences "the same event" (alert and target) */
    public record EventSpec(String type, String reason, String message, String correlation) {}

    public PodEventRecorder(KubernetesClient client, PodRef pod, String node, Clock clock) {
        this.client = client;
        this.pod = pod;
        this.node = node;
        this.clock = clock;
    }

    public void record(EventSpec spec) {
        String name = eventName(spec);
        String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
        String message = spec.message().length() > MAX_MESSAGE ? spec.message().substring(0, MAX_MESSAGE - 1) + "…" : spec.message();
        var events = client.v1().events().inNamespace(pod.namespace());
        Event existing = events.withName(name).get();
        if (existing == null) {
            try {
                events.resource(newEvent(name, spec, message, now)).create();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // Created meanwhile by another writer: count this occurrence on it.
            }
        }
        events.withName(name).edit(e -> new EventBuilder(e)
                .withCount(e.getCount() == null ? 2 : e.getCount() + 1)
                .withLastTimestamp(now).withMessage(message).build());
    }

    private Event newEvent(String name, EventSpec spec, String message, String now) {
        return new EventBuilder()
                .withNewMetadata().withName(name).withNamespace(pod.namespace()).endMetadata()
                .withNewInvolvedObject().withApiVersion("v1").withKind("Pod").withNamespace(pod.namespace())
                .withName(pod.name()).withUid(uid()).endInvolvedObject()
                .withType(spec.type()).withReason(spec.reason()).withMessage(message)
                .withCount(1).withFirstTimestamp(now).withLastTimestamp(now)
                .withNewSource().withComponent("egress-probe").withHost(node).endSource()
                .withReportingComponent("egress-probe").withReportingInstance(pod.name())
                .build();
    }

    /** The Pod's uid ties the Event to this incarnation of the Pod; without read access, events go without it. */
    private String uid() {
        if (podUid == null) {
            try {
                podUid = CoreMetadata.pod(client, pod.namespace(), pod.name()).map(ObjectMeta::getUid).orElse("");
            } catch (KubernetesClientException e) {
                podUid = "";
            }
        }
        return podUid.isEmpty() ? null : podUid;
    }

    /** {@code <pod>.<hash>}, as kubectl names events: stable per pod, alert, target and type. */
    String eventName(EventSpec spec) {
        return pod.name() + "." + ShortHash.of(spec.correlation() + "/" + spec.type(), 8);
    }
}
