{{/* The release name when it already says shop-operator, else <release>-shop-operator. */}}
{{- define "shop-operator.fullname" -}}
{{- if contains "shop-operator" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-shop-operator" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "shop-operator.labels" -}}
app.kubernetes.io/name: shop-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "shop-operator.selector" -}}
app.kubernetes.io/name: shop-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "shop-operator.serviceAccount" -}}
{{- .Values.serviceAccount.name | default (include "shop-operator.fullname" .) -}}
{{- end -}}

{{/* ClusterRole when watching every namespace, Role in the watched namespace otherwise. */}}
{{- define "shop-operator.roleKind" -}}
{{- if .Values.watchNamespace }}Role{{ else }}ClusterRole{{ end -}}
{{- end -}}
