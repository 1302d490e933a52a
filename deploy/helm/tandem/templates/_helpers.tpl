{{/* The release's prefix for every object name (63 characters at most, as Kubernetes wants). */}}
{{- define "tandem.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "tandem.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tandem.labels" -}}
{{ include "tandem.selectorLabels" . }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "tandem.image" -}}
{{- $tag := .tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{ printf "%s:%s" .root.Values.image.repository $tag | quote }}
{{- end -}}

{{/* The build id of the current version: workers.buildId, else the image tag. */}}
{{- define "tandem.buildId" -}}
{{- .Values.workers.buildId | default .Values.image.tag | default .Chart.AppVersion -}}
{{- end -}}

{{/*
The config as the pods read it: values' `config`, with the gateway listening on the pod's
address and port.
*/}}
{{- define "tandem.config" -}}
{{- $config := deepCopy .Values.config -}}
{{- $gateway := mustMergeOverwrite (dict) (get $config "gateway" | default dict) (dict "host" "0.0.0.0" "port" (int .Values.gateway.port)) -}}
{{- $_ := set $config "gateway" $gateway -}}
{{- $worker := get $config "worker" | default dict -}}
{{- with .Values.workers.slots }}{{ $_ := set $worker "slots" . }}{{ end -}}
{{- with .Values.workers.tuner }}{{ $_ := set $worker "tuner" . }}{{ end -}}
{{- if and (hasKey $worker "slots") (hasKey $worker "tuner") -}}
{{- fail "workers.slots and workers.tuner (or config.worker's): set one; the tuner sizes the slots itself" -}}
{{- end -}}
{{- if $worker }}{{ $_ := set $config "worker" $worker }}{{ end -}}
{{- toYaml $config -}}
{{- end -}}

{{- define "tandem.configMapName" -}}
{{ include "tandem.fullname" . }}-config
{{- end -}}

{{/* Environment of every Tandem pod: config path, secrets, Temporal API key, OTEL_*. */}}
{{- define "tandem.env" -}}
- name: TANDEM_CONFIG
  value: /etc/tandem/tandem.config.yaml
{{- range $name, $ref := .Values.secretEnv }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef: { name: {{ $ref.secret | quote }}, key: {{ $ref.key | quote }} }
{{- end }}
{{- with .Values.temporal.apiKeySecret }}
{{- if .name }}
- name: TEMPORAL_API_KEY
  valueFrom:
    secretKeyRef: { name: {{ .name | quote }}, key: {{ .key | quote }} }
{{- end }}
{{- end }}
{{- range $name, $value := .Values.otel }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{- define "tandem.volumeMounts" -}}
- name: config
  mountPath: /etc/tandem/tandem.config.yaml
  subPath: tandem.config.yaml
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- if .Values.temporal.tlsSecret.name }}
- name: temporal-tls
  mountPath: {{ .Values.temporal.tlsMountPath }}
  readOnly: true
{{- end }}
{{- end -}}

{{- define "tandem.volumes" -}}
- name: config
  configMap:
    name: {{ include "tandem.configMapName" . }}
# The root file system is read-only; what Node or the SDK write goes here.
- name: tmp
  emptyDir: { sizeLimit: 256Mi }
{{- if .Values.temporal.tlsSecret.name }}
- name: temporal-tls
  secret:
    secretName: {{ .Values.temporal.tlsSecret.name }}
{{- end }}
{{- end -}}

{{/* Pod-level settings every Tandem pod shares. */}}
{{- define "tandem.podSettings" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets: {{ toYaml . | nindent 2 }}
{{- end }}
securityContext: {{ toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector: {{ toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations: {{ toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity: {{ toYaml . | nindent 2 }}
{{- end }}
volumes: {{ include "tandem.volumes" . | nindent 2 }}
{{- end -}}

{{/*
Every worker Deployment the values ask for: for each version (the current one, then each
draining one) the workflow worker and one per target group. A list of dicts: name, component,
args, queues (name and queueTypes for KEDA), min/max replicas, resources, buildId, tag.
*/}}
{{- define "tandem.workerDeployments" -}}
{{- $root := . -}}
{{- $config := .Values.config -}}
{{- $queue := $config.temporal.taskQueue | default "tandem" -}}
{{- $sharing := false -}}
{{- range $name, $target := $config.targets -}}
{{- if eq (toString (dig "bulkhead" true $target)) "false" -}}{{- $sharing = true -}}{{- end -}}
{{- end -}}
{{- $grouped := dict -}}
{{- range $group, $spec := .Values.workers.groups -}}
{{- range $spec.targets -}}
{{- if not (hasKey $config.targets .) -}}
{{- fail (printf "workers.groups.%s.targets: %q is not a target of config.targets" $group .) -}}
{{- end -}}
{{- if eq (toString (dig "bulkhead" true (get $config.targets .))) "false" -}}
{{- fail (printf "workers.groups.%s.targets: %q has bulkhead: false: its attempts run in the workflow worker, in no group" $group .) -}}
{{- end -}}
{{- if hasKey $grouped . -}}
{{- fail (printf "workers.groups.%s.targets: %q is already in group %s: a target's queue is served by one group" $group . (get $grouped .)) -}}
{{- end -}}
{{- $_ := set $grouped . $group -}}
{{- end -}}
{{- end -}}
{{- range $name, $target := $config.targets -}}
{{- if and (ne (toString (dig "bulkhead" true $target)) "false") (not (hasKey $grouped $name)) -}}
{{- fail (printf "workers.groups: target %q is in no group, so nothing would poll its task queue %s.%s" $name $queue $name) -}}
{{- end -}}
{{- end -}}
{{- $versions := list (dict "buildId" (include "tandem.buildId" $root) "tag" "" "draining" false) -}}
{{- range .Values.workers.draining -}}
{{- $versions = append $versions (dict "buildId" .buildId "tag" .tag "draining" true) -}}
{{- end -}}
{{- $deployments := list -}}
{{- range $version := $versions -}}
{{- $suffix := ternary (printf "-%s" ($version.buildId | lower | replace "_" "-" | replace "." "-")) "" $version.draining -}}
{{- $w := $root.Values.workers.workflows -}}
{{- $queues := list (dict "name" $queue "queueTypes" (ternary "workflow,activity" "workflow" $sharing)) -}}
{{- $deployments = append $deployments (dict "name" (printf "%s-workflows%s" (include "tandem.fullname" $root) $suffix | trunc 63 | trimSuffix "-") "component" "workflows" "args" (list "worker" "--workflows") "queues" $queues "replicas" $w.replicas "minReplicas" (ternary 0 $w.minReplicas $version.draining) "maxReplicas" $w.maxReplicas "resources" $w.resources "version" $version) -}}
{{- range $group, $spec := $root.Values.workers.groups -}}
{{- $groupQueues := list -}}
{{- range $spec.targets -}}
{{- $groupQueues = append $groupQueues (dict "name" (printf "%s.%s" $queue .) "queueTypes" "activity") -}}
{{- end -}}
{{- $deployments = append $deployments (dict "name" (printf "%s-group-%s%s" (include "tandem.fullname" $root) $group $suffix | trunc 63 | trimSuffix "-") "component" (printf "group-%s" $group) "args" (list "worker" "--targets" (join "," $spec.targets)) "queues" $groupQueues "replicas" $spec.replicas "minReplicas" (ternary 0 $spec.minReplicas $version.draining) "maxReplicas" $spec.maxReplicas "resources" $spec.resources "version" $version) -}}
{{- end -}}
{{- end -}}
{{- toJson (dict "items" $deployments) -}}
{{- end -}}
