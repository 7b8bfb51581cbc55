using k8s.Models;

namespace Berth.Core.Validation;

/// <summary>What Berth does with one field of the Pod API.</summary>
public enum FieldTreatment
{
    /// <summary>Honoured (or, for a few fields, has nothing left to do on one node; the note says which).</summary>
    Implemented,

    /// <summary>Refused when set: exit 2, <c>Unsupported value</c> naming the field.</summary>
    Refused,

    /// <summary>Accepted with a warning (printed by play and plan, a Warning event on the pod): the
    /// field has no meaning on a single node, or its support is planned.</summary>
    Warned,
}

/// <summary>A field's treatment and the reason shown to users (the refusal or warning text).</summary>
public sealed record FieldRule(FieldTreatment Treatment, string Note);

/// <summary>
/// Every field of the Pod API that <see cref="PodFieldCheck"/> can reach, classified once. A field
/// the KubernetesClient models gain in an upgrade has no entry: the reflection test fails, so a new
/// field is never dropped silently. The fields of a Refused or Warned object are not listed: the
/// object is refused or warned about as a whole. docs/pod-fields.md is rendered from this table.
/// </summary>
public static class PodFieldCatalog
{
    private const string Scheduler = "the scheduler's field: there is no scheduler on a single node";
    private const string ApiServer = "set by the API server or its controllers: there is none on a single node";
    private const string Volumes = "only emptyDir and hostPath volumes are supported";
    private const string Hooks = "only exec hooks are supported";
    private const string Security = "security field (its own part of issue #10)";

    private static readonly Dictionary<(Type Model, string Field), FieldRule> Rules = Build();

    /// <summary>The root of the Pod API as Berth reads it.</summary>
    public static Type Root => typeof(V1Pod);

    public static FieldRule? Find(Type model, string field) => Rules.GetValueOrDefault((model, field));

    /// <summary>Every entry, grouped by model in table order.</summary>
    public static IEnumerable<(Type Model, string Field, FieldRule Rule)> Entries =>
        Rules.Select(kv => (kv.Key.Model, kv.Key.Field, kv.Value));

    private static Dictionary<(Type, string), FieldRule> Build()
    {
        var rules = new Dictionary<(Type, string), FieldRule>();
        void Add<T>(FieldTreatment treatment, string note, params string[] fields)
        {
            foreach (var field in fields)
            {
                rules.Add((typeof(T), field), new FieldRule(treatment, note));
            }
        }

        const FieldTreatment I = FieldTreatment.Implemented, R = FieldTreatment.Refused, W = FieldTreatment.Warned;

        Add<V1Pod>(I, "", "apiVersion", "kind", "metadata", "spec");
        Add<V1Pod>(W, "status is reported by Berth, never read from a manifest", "status");

        Add<V1ObjectMeta>(I, "", "name", "namespace", "uid", "labels", "annotations");
        Add<V1ObjectMeta>(W, "no API server generates names: metadata.name is required", "generateName");
        Add<V1ObjectMeta>(W, ApiServer, "creationTimestamp", "deletionGracePeriodSeconds", "deletionTimestamp", "finalizers", "generation", "managedFields", "ownerReferences", "resourceVersion", "selfLink");

        Add<V1PodSpec>(I, "", "containers", "initContainers", "volumes", "restartPolicy", "terminationGracePeriodSeconds", "hostNetwork", "hostPID", "hostIPC",
            "shareProcessNamespace", "hostname", "securityContext", "imagePullSecrets", "hostAliases", "dnsPolicy", "dnsConfig", "os");
        Add<V1PodSpec>(I, Security, "hostUsers");
        Add<V1PodSpec>(I, "pod-level resources (KEP-2837) size the pod cgroup; cgroup v2 only", "resources");
        Add<V1PodSpec>(I, "there are no Services on a single node, so no service variables exist to inject", "enableServiceLinks");
        Add<V1PodSpec>(I, "checked by admission against the node's name and labels (NodeName, NodeAffinity)", "nodeSelector", "nodeName");
        Add<V1PodSpec>(I, "checked by admission against the node's NoSchedule and NoExecute taints (TaintToleration)", "tolerations");
        Add<V1Toleration>(I, "", "key", "operator", "value", "effect");
        Add<V1Toleration>(W, "no taint is added while a pod runs, so nothing evicts it when the time is up", "tolerationSeconds");
        Add<V1PodSpec>(W, "only nodeAffinity's required terms are checked, at admission; preferred terms and pod (anti-)affinity are the scheduler's", "affinity");
        Add<V1PodSpec>(W, Scheduler, "topologySpreadConstraints", "schedulingGates", "priority", "priorityClassName", "schedulerName",
            "preemptionPolicy", "schedulingGroup");
        Add<V1PodSpec>(W, "set by RuntimeClass admission; Berth sizes the pod cgroup from its containers or pod-level resources only", "overhead");
        Add<V1PodSpec>(W, "no API server: no service account token is mounted", "serviceAccount", "serviceAccountName", "automountServiceAccountToken");
        Add<V1PodSpec>(W, "readiness gates are set by controllers: there are none on a single node", "readinessGates");
        Add<V1PodSpec>(W, "no cluster domain on a single node", "subdomain");
        Add<V1PodSpec>(R, "Berth runs every pod with runc: runtime classes are not supported", "runtimeClassName");
        Add<V1PodSpec>(R, "activeDeadlineSeconds is not implemented", "activeDeadlineSeconds");
        Add<V1PodSpec>(R, "ephemeral containers are not supported", "ephemeralContainers");
        Add<V1PodSpec>(R, "dynamic resource allocation is not supported", "resourceClaims");
        Add<V1PodSpec>(R, "setHostnameAsFQDN is not supported (no cluster domain)", "setHostnameAsFQDN");
        Add<V1PodSpec>(R, "hostnameOverride is not implemented", "hostnameOverride");
        Add<V1PodSpec>(R, "evictionResponders is not implemented", "evictionResponders");

        Add<V1PodOS>(I, "", "name");
        Add<V1LocalObjectReference>(I, "", "name");
        Add<V1HostAlias>(I, "", "ip", "hostnames");
        Add<V1PodDNSConfig>(I, "", "nameservers", "searches", "options");
        Add<V1PodDNSConfigOption>(I, "", "name", "value");

        Add<V1PodSecurityContext>(I, "", "runAsUser", "runAsGroup", "supplementalGroups");
        Add<V1PodSecurityContext>(I, Security, "runAsNonRoot", "seccompProfile", "appArmorProfile", "seLinuxOptions", "seLinuxChangePolicy", "fsGroup",
            "fsGroupChangePolicy", "supplementalGroupsPolicy", "sysctls");
        Add<V1PodSecurityContext>(W, "Windows options have no meaning for Linux containers (the Linux kubelet ignores them)", "windowsOptions");

        Add<V1SecurityContext>(I, "", "privileged", "runAsUser", "runAsGroup", "readOnlyRootFilesystem", "allowPrivilegeEscalation", "capabilities");
        Add<V1SecurityContext>(I, Security, "runAsNonRoot", "seccompProfile", "appArmorProfile", "seLinuxOptions", "procMount");
        Add<V1SecurityContext>(W, "Windows options have no meaning for Linux containers (the Linux kubelet ignores them)", "windowsOptions");

        Add<V1Capabilities>(I, "", "add", "drop");
        Add<V1SeccompProfile>(I, Security, "type", "localhostProfile");
        Add<V1AppArmorProfile>(I, Security, "type", "localhostProfile");
        Add<V1SELinuxOptions>(I, Security, "user", "role", "type", "level");
        Add<V1Sysctl>(I, Security, "name", "value");

        Add<V1Container>(I, "", "name", "image", "imagePullPolicy", "command", "args", "env", "workingDir", "ports", "resources", "volumeMounts", "securityContext",
            "lifecycle", "restartPolicy", "stdin", "stdinOnce", "tty");
        Add<V1Container>(W, "probes are not run yet: the container is neither restarted nor marked unready by them", "livenessProbe", "readinessProbe", "startupProbe");
        Add<V1Container>(W, "in-place resize is not implemented yet: a change recreates the pod", "resizePolicy");
        Add<V1Container>(W, "termination messages are not read yet", "terminationMessagePath", "terminationMessagePolicy");
        Add<V1Container>(R, "envFrom is not supported (no ConfigMaps or Secrets on a single node)", "envFrom");
        Add<V1Container>(R, "restartPolicyRules is not implemented", "restartPolicyRules");
        Add<V1Container>(R, "block volumes are not supported", "volumeDevices");

        Add<V1ContainerPort>(I, "", "containerPort", "hostPort", "hostIP", "protocol", "name");
        Add<V1ResourceRequirements>(I, "", "requests", "limits");
        Add<V1ResourceRequirements>(R, "dynamic resource allocation is not supported", "claims");
        Add<V1EnvVar>(I, "", "name", "value");
        Add<V1EnvVar>(R, "only literal values are supported", "valueFrom");

        Add<V1VolumeMount>(I, "", "name", "mountPath", "readOnly");
        Add<V1VolumeMount>(I, Security, "subPath", "subPathExpr", "mountPropagation");
        Add<V1VolumeMount>(R, "recursiveReadOnly is not implemented", "recursiveReadOnly");
        Add<V1VolumeMount>(R, "bindMountOptions is not implemented", "bindMountOptions");

        Add<V1Lifecycle>(I, "", "postStart", "preStop");
        Add<V1Lifecycle>(R, "stopSignal is not implemented", "stopSignal");
        Add<V1LifecycleHandler>(I, "", "exec");
        Add<V1LifecycleHandler>(R, Hooks, "httpGet", "tcpSocket", "sleep");
        Add<V1ExecAction>(I, "", "command");

        Add<V1Volume>(I, "", "name", "emptyDir", "hostPath");
        Add<V1Volume>(R, Volumes, "awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "configMap", "csi", "downwardAPI", "ephemeral", "fc",
            "flexVolume", "flocker", "gcePersistentDisk", "gitRepo", "glusterfs", "image", "iscsi", "nfs", "persistentVolumeClaim", "photonPersistentDisk",
            "portworxVolume", "projected", "quobyte", "rbd", "scaleIO", "secret", "storageos", "vsphereVolume");
        Add<V1EmptyDirVolumeSource>(I, "disk-backed (\"\"); Memory is refused until tmpfs volumes exist", "medium");
        Add<V1EmptyDirVolumeSource>(R, "emptyDir mode is not implemented", "mode");
        Add<V1EmptyDirVolumeSource>(W, "no eviction yet: the size of a disk-backed emptyDir is not enforced", "sizeLimit");
        Add<V1HostPathVolumeSource>(I, "", "path");
        Add<V1HostPathVolumeSource>(I, Security, "type");
        return rules;
    }
}
