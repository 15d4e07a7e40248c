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

{{/* Redirect URL of the OAuth install: oauth.redirectUrl, else <public URL>/oauth/callback. */}}
{{- define "int-hubspot.oauthRedirectUrl" -}}
{{- $publicUrl := include "int-hubspot.publicUrl" . | trimSuffix "/" -}}
{{- default (printf "%s/oauth/callback" $publicUrl) .Values.oauth.redirectUrl -}}
{{- end -}}

{{/*
Fails rendering when oauth.enabled is true and a value or Secret that the gateway requires is unset. The
message lists every missing one, so a single helm run reports them all. The gateway would otherwise exit
at start-up with the same complaint, and only after the pods were scheduled.
*/}}
{{- define "int-hubspot.oauthRequire" -}}
{{- $oauth := .Values.oauth -}}
{{- $secrets := .Values.secrets -}}
{{- $missing := list -}}
{{- if not (trim $oauth.hubspotClientId) -}}
{{- $missing = append $missing "oauth.hubspotClientId (the HubSpot app's client id)" -}}
{{- end -}}
{{- if not (trim $oauth.keycloak.url) -}}
{{- $missing = append $missing "oauth.keycloak.url (the Keycloak base URL)" -}}
{{- end -}}
{{- if not $secrets.tokenKeys.existingSecret -}}
{{- $missing = append $missing "secrets.tokenKeys.existingSecret (a Secret with the token encryption keys)" -}}
{{- end -}}
{{- if not $secrets.stateKey.existingSecret -}}
{{- $missing = append $missing "secrets.stateKey.existingSecret (a Secret with the install state key)" -}}
{{- end -}}
{{- if not $secrets.keycloakClientSecret.existingSecret -}}
{{- $missing = append $missing "secrets.keycloakClientSecret.existingSecret (a Secret with the Keycloak client secret)" -}}
{{- end -}}
{{- if $missing -}}
{{- fail (printf "oauth.enabled is true but these values are missing: %s. Set them or set oauth.enabled=false; docs/deployment.md lists the Secrets to create." (join ", " $missing)) -}}
{{- end -}}
{{- end -}}

{{/* Environment variables of the OAuth install flow and the Keycloak tenant store (docs/oauth.md). */}}
{{- define "int-hubspot.oauthEnv" -}}
{{- include "int-hubspot.oauthRequire" . -}}
{{- $oauth := .Values.oauth }}
- name: INT_HUBSPOT_OAUTH_ENABLED
  value: "true"
- name: INT_HUBSPOT_HUBSPOT_CLIENT_ID
  value: {{ trim $oauth.hubspotClientId | quote }}
- name: INT_HUBSPOT_OAUTH_REDIRECT_URL
  value: {{ include "int-hubspot.oauthRedirectUrl" . | quote }}
- name: INT_HUBSPOT_OAUTH_SCOPES
  value: {{ join " " $oauth.scopes | quote }}
- name: INT_HUBSPOT_OAUTH_OPTIONAL_SCOPES
  value: {{ join " " $oauth.optionalScopes | quote }}
- name: INT_HUBSPOT_STATE_TTL_S
  value: {{ $oauth.stateTtlSeconds | quote }}
- name: INT_HUBSPOT_REFRESH_MARGIN_S
  value: {{ $oauth.refreshMarginSeconds | quote }}
- name: INT_HUBSPOT_HTTP_TIMEOUT_S
  value: {{ $oauth.httpTimeoutSeconds | quote }}
- name: INT_HUBSPOT_HUBSPOT_API_URL
  value: {{ $oauth.hubspotApiUrl | quote }}
- name: INT_HUBSPOT_HUBSPOT_APP_URL
  value: {{ $oauth.hubspotAppUrl | quote }}
- name: INT_HUBSPOT_KEYCLOAK_URL
  value: {{ trim $oauth.keycloak.url | quote }}
- name: INT_HUBSPOT_KEYCLOAK_REALM
  value: {{ $oauth.keycloak.realm | quote }}
- name: INT_HUBSPOT_KEYCLOAK_CLIENT_ID
  value: {{ $oauth.keycloak.clientId | quote }}
- name: INT_HUBSPOT_KEYCLOAK_ADMIN_ROLE
  value: {{ $oauth.keycloak.adminRole | quote }}
{{- include "int-hubspot.secretEnv" .Values.secrets.tokenKeys }}
{{- include "int-hubspot.secretEnv" .Values.secrets.stateKey }}
{{- include "int-hubspot.secretEnv" .Values.secrets.keycloakClientSecret }}
{{- end -}}
