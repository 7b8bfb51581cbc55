using System.Globalization;
using Berth.Core.Capacity;
using YamlDotNet.Serialization;

namespace Berth.Node.Configuration;

/// <summary>
/// The configuration in effect (<c>berth config show</c>), as a KubeletConfiguration: the
/// fields Berth reads, with the values the agent runs with after defaults, the file and the
/// flags, so the output can be fed back to <c>berth serve --config</c>.
/// </summary>
public static class KubeletConfigView
{
    public static string Yaml(AgentOptions options)
    {
        var runtime = options.Runtime;
        var node = runtime.Node;
        var security = options.Lifecycle.Security;
        var config = new Dictionary<string, object?>
        {
            ["apiVersion"] = KubeletConfigFile.ApiVersion,
            ["kind"] = KubeletConfigFile.Kind,
            ["cgroupDriver"] = "cgroupfs",
            ["cgroupRoot"] = runtime.CgroupRoot,
            ["cgroupsPerQOS"] = true,
            ["enforceNodeAllocatable"] = Enforcement(node.Enforce),
            ["systemReserved"] = node.SystemReserved.ToResourceList(),
            ["kubeReserved"] = node.KubeReserved.ToResourceList(),
            ["systemReservedCgroup"] = node.SystemReservedCgroup,
            ["kubeReservedCgroup"] = node.KubeReservedCgroup,
            ["evictionHard"] = Thresholds(node.EvictionHard),
            ["evictionSoft"] = Thresholds(node.EvictionSoft),
            ["evictionSoftGracePeriod"] = node.EvictionSoftGracePeriod.ToDictionary(p => p.Key, p => GoDuration.Format(p.Value)),
            ["evictionPressureTransitionPeriod"] = GoDuration.Format(node.EvictionPressureTransitionPeriod),
            ["evictionMinimumReclaim"] = Thresholds(node.EvictionMinimumReclaim.Values),
            ["evictionMaxPodGracePeriod"] = node.EvictionMaxPodGracePeriod,
            ["podPidsLimit"] = runtime.PodPidsLimit ?? -1,
            ["maxPods"] = node.MaxPods,
            ["registerWithTaints"] = node.Taints.Select(t => new Dictionary<string, string?> { ["key"] = t.Key, ["value"] = t.Value, ["effect"] = t.Effect }).ToList(),
            ["featureGates"] = new Dictionary<string, bool> { ["MemoryQoS"] = runtime.MemoryQos.Enabled },
            ["memoryThrottlingFactor"] = runtime.MemoryQos.ThrottlingFactor,
            ["memoryReservationPolicy"] = runtime.MemoryQos.ReservationPolicy.ToString(),
            ["seccompDefault"] = security.SeccompDefault,
            ["allowedUnsafeSysctls"] = security.AllowedUnsafeSysctls.ToList(),
            ["staticPodPath"] = options.Lifecycle.ManifestsDir,
            ["imageGCHighThresholdPercent"] = options.ImageGcHighThresholdPercent,
            ["imageGCLowThresholdPercent"] = options.ImageGcLowThresholdPercent,
        };
        var serializer = new SerializerBuilder().ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull).Build();
        return serializer.Serialize(config.Where(c => c.Value is not null).ToDictionary(c => c.Key, c => c.Value));
    }

    private static List<string> Enforcement(AllocatableEnforcement enforce)
    {
        var values = new List<string>();
        if (enforce.HasFlag(AllocatableEnforcement.Pods))
        {
            values.Add("pods");
        }

        if (enforce.HasFlag(AllocatableEnforcement.SystemReserved))
        {
            values.Add("system-reserved");
        }

        if (enforce.HasFlag(AllocatableEnforcement.KubeReserved))
        {
            values.Add("kube-reserved");
        }

        return values.Count == 0 ? ["none"] : values;
    }

    private static Dictionary<string, string> Thresholds(IEnumerable<EvictionThreshold> thresholds) =>
        thresholds.ToDictionary(t => t.Signal, t => t.Amount is { } amount ? amount.ToString(CultureInfo.InvariantCulture) : t.ToString());
}
