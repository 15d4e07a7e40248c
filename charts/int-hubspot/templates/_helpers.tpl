{{/* Chart name, overridable with nameOverride. */}}
{{- define "int-hubspot.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full resource name: release name plus chart name unless the release name already contains it. */}}
{{- define "int-hubspot.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels that select the gateway pods; they never change between upgrades. */}}
{{- define "int-hubspot.selectorLabels" -}}
app.kubernetes.io/name: {{ include "int-hubspot.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "int-hubspot.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "int-hubspot.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: int-hubspot
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "int-hubspot.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "int-hubspot.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Public base URL HubSpot calls: gateway.publicUrl, else https://<httpRoute.host>. */}}
{{- define "int-hubspot.publicUrl" -}}
{{- default (printf "https://%s" .Values.httpRoute.host) .Values.gateway.publicUrl -}}
{{- end -}}

{{/* An env entry read from an existing Secret; renders nothing when existingSecret is empty. */}}
{{- define "int-hubspot.secretEnv" -}}
{{- if .existingSecret }}
- name: {{ .envName }}
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .key }}
{{- end }}
{{- end -}}
