{{/*
The labels of every object: the kustomize install's one (app.kubernetes.io/name, which the selectors, the rules and
the dashboard use) and Helm's own. Selectors and pod labels carry only the kustomize ones, so that they never change on
an upgrade (a DaemonSet's selector is immutable).
*/}}
{{- define "egress-probe.labels" -}}
app.kubernetes.io/name: egress-probe
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}

{{/* The probe's port, from config.listen (host:port, [v6]:port): the pod, the Service, the sidecar exclusion and the
NetworkPolicy follow it. */}}
{{- define "egress-probe.port" -}}
{{- regexFind "[0-9]+$" .Values.config.listen | int -}}
{{- end }}

{{/*
The pod spec of both DaemonSets (k8s/base/daemonset.yaml; k8s/components/direct-path copies it from there with
kustomize, here both include this one).
*/}}
{{- define "egress-probe.podSpec" -}}
serviceAccountName: egress-probe
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001          # not 1337: Istio's iptables rules let that uid bypass the sidecar
  runAsGroup: 10001
  fsGroup: 10001
  seccompProfile:
    type: RuntimeDefault
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
terminationGracePeriodSeconds: 20
containers:
  - name: egress-probe
    image: {{ printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) | quote }}
    {{- with .Values.image.pullPolicy }}
    imagePullPolicy: {{ . }}
    {{- end }}
    {{- with .Values.jvm.extraOptions }}
    # The image's entrypoint (Dockerfile) with the extra flags after its own, so that they win.
    command: {{ concat (list "java" "@/app/jvm.options") . (list "-jar" "/app/egress-probe.jar") | toJson }}
    {{- end }}
    args: ["run", "--config", "/etc/egress-probe/config.yaml"]
    ports:
      - name: http-metrics
        containerPort: {{ include "egress-probe.port" . }}
    env:
      - name: NODE_NAME
        valueFrom: { fieldRef: { fieldPath: spec.nodeName } }
      - name: POD_NAME
        valueFrom: { fieldRef: { fieldPath: metadata.name } }
      - name: POD_NAMESPACE
        valueFrom: { fieldRef: { fieldPath: metadata.namespace } }
    livenessProbe:
      httpGet: { path: /healthz, port: http-metrics }
      periodSeconds: 10
      failureThreshold: 3
    readinessProbe:
      httpGet: { path: /readyz, port: http-metrics }
      periodSeconds: 5
    startupProbe:
      httpGet: { path: /healthz, port: http-metrics }
      periodSeconds: 2
      failureThreshold: 30
    {{- with .Values.resources }}
    resources:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities:
        drop: ["ALL"]
    volumeMounts:
      - name: config
        mountPath: /etc/egress-probe
        readOnly: true
      - name: tmp               # netty-tcnative unpacks BoringSSL here; the root filesystem is read-only
        mountPath: /tmp
      - name: state             # alerting.stateFile: the firing alerts survive a container restart
        mountPath: /var/lib/egress-probe
      - name: podinfo           # the pod's annotations: mode auto tells ambient mode by ambient.istio.io/redirection
        mountPath: /etc/podinfo
        readOnly: true
volumes:
  - name: config
    configMap:
      name: egress-probe-config
  - name: tmp
    emptyDir:
      sizeLimit: 32Mi
  - name: state             # kept across container restarts, not across a pod's replacement (README, "Alerts")
    emptyDir:
      sizeLimit: 1Mi
  - name: podinfo
    downwardAPI:
      items:
        - path: annotations
          fieldRef: { fieldPath: metadata.annotations }
{{- end }}

{{/* Both DaemonSets roll out alike (k8s/components/direct-path copies the base's). */}}
{{- define "egress-probe.updateStrategy" -}}
type: RollingUpdate
rollingUpdate:
  maxUnavailable: 10%
{{- end }}
