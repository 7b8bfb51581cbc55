using System.Text.RegularExpressions;
using Berth.Core.Manifests;
using Berth.Core.Planning;
using k8s.Models;

namespace Berth.Core.Validation;

/// <summary>
/// Semantic checks of a bound Pod, after its types are known to be right. Messages follow the
/// API server's field errors (k8s.io/kubernetes/pkg/apis/core/validation) so users recognise them.
/// </summary>
public static partial class PodValidator
{
    public static readonly string[] RestartPolicies = ["Always", "OnFailure", "Never"];
    public static readonly string[] PullPolicies = ["Always", "IfNotPresent", "Never"];

    // A uid names directories and cgroups: only characters that cannot form a path.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex UidRegex();

    public static IReadOnlyList<FieldError> Validate(PodManifest manifest)
    {
        var errors = new List<FieldError>();
        void Add(string path, string message) => errors.Add(new FieldError(manifest.Source, path, message));

        var pod = manifest.Pod;
        ValidateMetadata(pod.Metadata, Add);

        var spec = pod.Spec;
        if (spec is null)
        {
            Add("spec", "Required value");
            return errors;
        }

        if (spec.Containers is not { Count: > 0 })
        {
            Add("spec.containers", "Required value");
        }

        if (spec.RestartPolicy is { } policy && !RestartPolicies.Contains(policy))
        {
            Add("spec.restartPolicy", Unsupported(policy, RestartPolicies));
        }

        if (spec.Hostname is { } hostname && Dns1123.CheckLabel(hostname) is { } hostnameError)
        {
            Add("spec.hostname", $"Invalid value: \"{hostname}\": {hostnameError}");
        }

        if (spec.TerminationGracePeriodSeconds is < 0)
        {
            Add("spec.terminationGracePeriodSeconds", "Invalid value: must be greater than or equal to 0");
        }

        if (spec.ShareProcessNamespace == true && spec.HostPID == true)
        {
            Add("spec.shareProcessNamespace", "Invalid value: true: ShareProcessNamespace and HostPID cannot both be enabled");
        }

        HostUsersValidation.Validate(spec, Add);
        PodLevelResourcesValidation.Validate(spec, Add);
        var volumes = ValidateVolumes(spec.Volumes, Add);
        var names = new HashSet<string>(StringComparer.Ordinal);
        ValidateContainers(spec.InitContainers, "spec.initContainers", init: true, names, volumes, Add);
        ValidateContainers(spec.Containers, "spec.containers", init: false, names, volumes, Add);
        Security.SecurityContextRules.Validate(pod, Add);
        return errors;
    }

    private static void ValidateMetadata(V1ObjectMeta? metadata, Action<string, string> add)
    {
        if (string.IsNullOrEmpty(metadata?.Name))
        {
            add("metadata.name", "Required value: name is required");
        }
        else if (Dns1123.CheckSubdomain(metadata.Name) is { } nameError)
        {
            add("metadata.name", $"Invalid value: \"{metadata.Name}\": {nameError}");
        }

        if (metadata?.NamespaceProperty is { Length: > 0 } ns && Dns1123.CheckLabel(ns) is { } nsError)
        {
            add("metadata.namespace", $"Invalid value: \"{ns}\": {nsError}");
        }

        if (metadata?.Uid is { Length: > 0 } uid && !UidRegex().IsMatch(uid))
        {
            add("metadata.uid", $"Invalid value: \"{uid}\": must be 1-128 characters of letters, digits, '-' or '_', starting with a letter or digit");
        }
    }

    private static HashSet<string> ValidateVolumes(IList<V1Volume>? volumes, Action<string, string> add)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (volumes?.Count ?? 0); i++)
        {
            var name = volumes![i].Name;
            var path = $"spec.volumes[{i}].name";
            if (string.IsNullOrEmpty(name))
            {
                add(path, "Required value");
            }
            else if (Dns1123.CheckLabel(name) is { } error)
            {
                add(path, $"Invalid value: \"{name}\": {error}");
            }
            else if (!names.Add(name))
            {
                add(path, $"Duplicate value: \"{name}\"");
            }

            if (volumes![i].HostPath?.Type is { } hostPathType && !HostPathTypes.Supported.Contains(hostPathType))
            {
                add($"spec.volumes[{i}].hostPath.type", Unsupported(hostPathType, HostPathTypes.Supported));
            }
        }

        return names;
    }

    private static void ValidateContainers(
        IList<V1Container>? containers,
        string listPath,
        bool init,
        HashSet<string> names,
        HashSet<string> volumes,
        Action<string, string> add)
    {
        for (var i = 0; i < (containers?.Count ?? 0); i++)
        {
            var container = containers![i];
            var path = $"{listPath}[{i}]";
            if (string.IsNullOrEmpty(container.Name))
            {
                add($"{path}.name", "Required value");
            }
            else if (Dns1123.CheckLabel(container.Name) is { } nameError)
            {
                add($"{path}.name", $"Invalid value: \"{container.Name}\": {nameError}");
            }
            else if (!names.Add(container.Name))
            {
                add($"{path}.name", $"Duplicate value: \"{container.Name}\"");
            }

            if (string.IsNullOrWhiteSpace(container.Image))
            {
                add($"{path}.image", "Required value");
            }

            if (container.ImagePullPolicy is { } pull && !PullPolicies.Contains(pull))
            {
                add($"{path}.imagePullPolicy", Unsupported(pull, PullPolicies));
            }

            if (container.RestartPolicy is { } restart)
            {
                if (!init)
                {
                    add($"{path}.restartPolicy", "Forbidden: may not be set for non-init containers");
                }
                else if (restart != "Always")
                {
                    add($"{path}.restartPolicy", Unsupported(restart, ["Always"]));
                }
            }

            ValidateResources(container.Resources, $"{path}.resources", add);
            ValidatePorts(container.Ports, $"{path}.ports", add);

            for (var m = 0; m < (container.VolumeMounts?.Count ?? 0); m++)
            {
                var mount = container.VolumeMounts![m];
                if (string.IsNullOrEmpty(mount.Name) || !volumes.Contains(mount.Name))
                {
                    add($"{path}.volumeMounts[{m}].name", $"Not found: \"{mount.Name}\"");
                }

                // A subPath names a directory inside the volume: it must not climb out of it.
                VolumeSubPath.Validate(container, mount, $"{path}.volumeMounts[{m}]", add);

                if (string.IsNullOrEmpty(mount.MountPath) || !mount.MountPath.StartsWith('/'))
                {
                    add($"{path}.volumeMounts[{m}].mountPath", $"Invalid value: \"{mount.MountPath}\": must be an absolute path");
                }
            }
        }
    }

    /// <summary>The API server's rules for container ports: a containerPort in 1-65535, a hostPort
    /// in 1-65535 when set, a known protocol.</summary>
    private static void ValidatePorts(IList<V1ContainerPort>? ports, string listPath, Action<string, string> add)
    {
        for (var i = 0; i < (ports?.Count ?? 0); i++)
        {
            var port = ports![i];
            var path = $"{listPath}[{i}]";
            if (port.ContainerPort is < 1 or > 65535)
            {
                add($"{path}.containerPort", $"Invalid value: {port.ContainerPort}: must be between 1 and 65535, inclusive");
            }

            if (port.HostPort is { } host && host is < 1 or > 65535)
            {
                add($"{path}.hostPort", $"Invalid value: {host}: must be between 1 and 65535, inclusive");
            }

            if (port.Protocol is { } protocol && protocol is not ("TCP" or "UDP" or "SCTP"))
            {
                add($"{path}.protocol", Unsupported(protocol, ["TCP", "UDP", "SCTP"]));
            }
        }
    }

    private static void ValidateResources(V1ResourceRequirements? resources, string path, Action<string, string> add)
    {
        if (resources?.Requests is null || resources.Limits is null)
        {
            return;
        }

        foreach (var (name, request) in resources.Requests)
        {
            if (resources.Limits.TryGetValue(name, out var limit) && ResourceList.Of(request).Value > ResourceList.Of(limit).Value)
            {
                add($"{path}.requests.{name}", $"Invalid value: \"{request}\": must be less than or equal to {name} limit of {limit}");
            }
        }
    }

    private static string Unsupported(string value, IEnumerable<string> supported) =>
        $"Unsupported value: \"{value}\": supported values: {string.Join(", ", supported.Select(s => $"\"{s}\""))}";
}
