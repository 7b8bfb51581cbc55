using System.Net;
using Berth.Core.Manifests;
using k8s.Models;

namespace Berth.Core.Validation;

/// <summary>
/// The checks of what Berth's standalone door can run that need no node: shared by <c>plan</c>
/// and <c>play</c> (both read manifests through <see cref="ManifestReader"/>), so plan refuses
/// exactly what play refuses, with the same messages. Checks that need the node (names already
/// taken, images) stay in the runtime's admission. Field-level support is
/// <see cref="PodFieldCatalog"/>'s; this file checks values.
/// </summary>
public static class RuntimeSupport
{
    public static readonly string[] DnsPolicies = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
    public static readonly string[] EmptyDirMedia = [""];

    // Kubernetes' limits for dnsConfig (pkg/apis/core/validation: MaxDNSNameservers, MaxDNSSearchPaths).
    private const int MaxNameservers = 3;
    private const int MaxSearches = 32;

    public static IReadOnlyList<FieldError> Check(PodManifest manifest)
    {
        var errors = new List<FieldError>();
        void Add(string path, string message) => errors.Add(new FieldError(manifest.Source, path, message));
        var spec = manifest.Pod.Spec;
        if (spec is null)
        {
            return errors;
        }

        for (var v = 0; v < (spec.Volumes?.Count ?? 0); v++)
        {
            CheckVolume(spec.Volumes![v], $"spec.volumes[{v}]", Add);
        }

        foreach (var (list, path) in new[] { (spec.InitContainers, "spec.initContainers"), (spec.Containers, "spec.containers") })
        {
            for (var i = 0; i < (list?.Count ?? 0); i++)
            {
                CheckContainer(list![i], $"{path}[{i}]", Add);
            }
        }

        if (spec.Os?.Name is { } os && os != "linux")
        {
            Add("spec.os.name", $"Unsupported value: \"{os}\": supported values: \"linux\"");
        }

        CheckDns(spec, Add);
        CheckHostAliases(spec.HostAliases, Add);
        return errors;
    }

    private static void CheckVolume(V1Volume volume, string path, Action<string, string> add)
    {
        // A volume with another source is refused by the catalog at that source's field.
        if (volume.EmptyDir is null && volume.HostPath is null && !PodFieldCheck.FieldsOf(typeof(V1Volume)).Any(f => f.Name != "name" && f.Property.GetValue(volume) is not null))
        {
            add(path, "Unsupported value: only emptyDir and hostPath volumes are supported");
        }

        if (volume.HostPath is { } hostPath && (string.IsNullOrEmpty(hostPath.Path) || !hostPath.Path.StartsWith('/') || hostPath.Path.Split('/').Contains("..")))
        {
            add($"{path}.hostPath.path", $"Invalid value: \"{hostPath.Path}\": must be an absolute path without '..'");
        }

        if (volume.EmptyDir?.Medium is { } medium && !EmptyDirMedia.Contains(medium))
        {
            // A tmpfs must then be made again whenever the sandbox is (after a reboot), or the
            // volume would silently become disk-backed: refused until that exists.
            add($"{path}.emptyDir.medium", medium == "Memory"
                ? "Unsupported value: \"Memory\": memory-backed emptyDir (tmpfs) is not implemented yet; omit medium for a disk-backed one"
                : Unsupported(medium, ["", "Memory"]) + " (Memory is not implemented yet)");
        }
    }

    private static void CheckContainer(V1Container container, string path, Action<string, string> add)
    {
        if (!string.IsNullOrWhiteSpace(container.Image) && !ImageReferenceSyntax.IsValid(container.Image))
        {
            add($"{path}.image", $"Invalid value: \"{container.Image}\": not an image reference (name[:tag])");
        }

        foreach (var (hook, name) in new[] { (container.Lifecycle?.PostStart, "postStart"), (container.Lifecycle?.PreStop, "preStop") })
        {
            // Other handler types are refused by the catalog; a hook with none at all is refused here.
            if (hook is not null && hook.Exec is null && hook.HttpGet is null && hook.TcpSocket is null && hook.Sleep is null)
            {
                add($"{path}.lifecycle.{name}", "Unsupported value: only exec hooks are supported");
            }
        }
    }

    /// <summary>The API server's dnsPolicy/dnsConfig rules (validateDNSPolicy, validatePodDNSConfig).</summary>
    private static void CheckDns(V1PodSpec spec, Action<string, string> add)
    {
        if (spec.DnsPolicy is { } policy && !DnsPolicies.Contains(policy))
        {
            add("spec.dnsPolicy", Unsupported(policy, DnsPolicies));
        }

        var config = spec.DnsConfig;
        if (spec.DnsPolicy == "None")
        {
            if (config is null)
            {
                add("spec.dnsConfig", "Required value: must provide `dnsConfig` when `dnsPolicy` is None");
            }
            else if (config.Nameservers is not { Count: > 0 })
            {
                add("spec.dnsConfig.nameservers", "Required value: must provide at least one DNS nameserver when `dnsPolicy` is None");
            }
        }

        if (config is null)
        {
            return;
        }

        if (config.Nameservers?.Count > MaxNameservers)
        {
            add("spec.dnsConfig.nameservers", $"Invalid value: \"{string.Join(",", config.Nameservers)}\": must not have more than {MaxNameservers} nameservers");
        }

        for (var i = 0; i < (config.Nameservers?.Count ?? 0); i++)
        {
            if (!IPAddress.TryParse(config.Nameservers![i], out _))
            {
                add($"spec.dnsConfig.nameservers[{i}]", $"Invalid value: \"{config.Nameservers[i]}\": must be a valid IP address");
            }
        }

        if (config.Searches?.Count > MaxSearches)
        {
            add("spec.dnsConfig.searches", $"Invalid value: \"{string.Join(",", config.Searches)}\": must not have more than {MaxSearches} search paths");
        }

        for (var i = 0; i < (config.Searches?.Count ?? 0); i++)
        {
            // A trailing dot (an absolute name) is allowed, as by the API server.
            var search = config.Searches![i].TrimEnd('.');
            if (Dns1123.CheckSubdomain(search) is { } error)
            {
                add($"spec.dnsConfig.searches[{i}]", $"Invalid value: \"{config.Searches[i]}\": {error}");
            }
        }

        for (var i = 0; i < (config.Options?.Count ?? 0); i++)
        {
            if (string.IsNullOrEmpty(config.Options![i].Name))
            {
                add($"spec.dnsConfig.options[{i}].name", "Required value: must not be empty");
            }
        }
    }

    private static void CheckHostAliases(IList<V1HostAlias>? aliases, Action<string, string> add)
    {
        for (var i = 0; i < (aliases?.Count ?? 0); i++)
        {
            var alias = aliases![i];
            if (string.IsNullOrEmpty(alias.Ip) || !IPAddress.TryParse(alias.Ip, out _))
            {
                add($"spec.hostAliases[{i}].ip", $"Invalid value: \"{alias.Ip}\": must be a valid IP address");
            }

            for (var h = 0; h < (alias.Hostnames?.Count ?? 0); h++)
            {
                if (Dns1123.CheckSubdomain(alias.Hostnames![h]) is { } error)
                {
                    add($"spec.hostAliases[{i}].hostnames[{h}]", $"Invalid value: \"{alias.Hostnames[h]}\": {error}");
                }
            }
        }
    }

    private static string Unsupported(string value, IEnumerable<string> supported) =>
        $"Unsupported value: \"{value}\": supported values: {string.Join(", ", supported.Select(s => $"\"{s}\""))}";
}
