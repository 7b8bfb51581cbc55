using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Core.Capacity;
using Berth.Core.Eviction;
using Berth.Core.Planning;
using Berth.Runtime;
using Berth.Runtime.Pods;
using k8s;
using k8s.Models;

namespace Berth.Node.Api;

/// <summary>
/// The node as <c>berth node -o json</c> shows it: a v1 Node (what other tools read:
/// status.capacity, status.allocatable, status.conditions, labels and taints), the requests and
/// limits of the pods that hold resources ("allocated"), and the pid capacity and allocatable
/// ("pids"), which the kubelet keeps out of the Node object.
/// </summary>
public static class NodeDocument
{
    public static JsonObject Build(PodController pods, AgentOptions options)
    {
        var info = pods.NodeInfo;
        var node = new V1Node
        {
            ApiVersion = "v1",
            Kind = "Node",
            Metadata = new V1ObjectMeta { Name = info.Name, Labels = new Dictionary<string, string>(info.Labels) },
            Spec = new V1NodeSpec { Taints = info.Taints.Count > 0 ? [.. info.Taints] : null },
            Status = new V1NodeStatus
            {
                Capacity = Quantities(pods.Capacity, info.MaxPods),
                Allocatable = Quantities(pods.Allocatable.Allocatable, info.MaxPods),
                Conditions = Conditions(pods.Pressure, DateTimeOffset.UtcNow),
                NodeInfo = SystemInfo(options, info),
            },
        };
        var active = pods.Records.All.Where(PodAdmission.HoldsResources).Select(p => p.Manifest.Spec).ToList();
        var requests = new ResourceList();
        var limits = new ResourceList();
        foreach (var spec in active)
        {
            requests.Add(PodResources.Requests(spec));
            limits.Add(PodResources.Limits(spec));
        }

        return new JsonObject
        {
            ["node"] = JsonNode.Parse(KubernetesJson.Serialize(node)),
            ["allocated"] = new JsonObject
            {
                ["pods"] = active.Count,
                ["requests"] = Totals(requests),
                ["limits"] = Totals(limits),
            },
            ["pids"] = new JsonObject
            {
                ["capacity"] = pods.Capacity.Pids,
                ["allocatable"] = pods.Allocatable.Allocatable.Pids,
            },
        };
    }

    private static Dictionary<string, ResourceQuantity> Quantities(NodeResources resources, int maxPods)
    {
        var list = resources.ToResourceList().Where(r => r.Key != NodeResources.Pid).ToDictionary(r => r.Key, r => new ResourceQuantity(r.Value));
        list["pods"] = new ResourceQuantity(maxPods.ToString(CultureInfo.InvariantCulture));
        return list;
    }

    private static JsonObject Totals(ResourceList list)
    {
        var totals = new JsonObject();
        foreach (var (name, value) in list.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            totals[name] = name == ResourceList.Cpu ? $"{list.MilliCpu}m" : decimal.Ceiling(value).ToString(CultureInfo.InvariantCulture);
        }

        return totals;
    }

    /// <summary>
    /// The pressure conditions as the eviction manager last decided them (the kubelet's node
    /// status setters: status, reason and message follow the pressure, lastTransitionTime moves
    /// only when the status does, lastHeartbeatTime is the last decision), then Ready. Before the
    /// first decision they are Unknown: a condition nobody checked is not reported as fine. The
    /// memory-pressure and similar NoSchedule taints are the node lifecycle controller's, not the
    /// kubelet's, so the node gets none.
    /// </summary>
    public static List<V1NodeCondition> Conditions(NodePressure pressure, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(pressure);
        var now = at.UtcDateTime;
        var heartbeat = pressure.ObservedAt ?? at;
        var decided = pressure.Conditions;
        V1NodeCondition Pressure(string type) => decided.FirstOrDefault(c => c.Type == type) is { } condition
            ? condition.ToV1(heartbeat)
            : new()
            {
                Type = type,
                Status = "Unknown",
                Reason = "NotMonitored",
                Message = "Berth has not evaluated eviction signals yet",
                LastHeartbeatTime = now,
                LastTransitionTime = now,
            };
        return
        [
            .. EvictionSignals.Conditions.Select(Pressure),
            new() { Type = "Ready", Status = "True", Reason = "KubeletReady", Message = "berth is posting ready status", LastHeartbeatTime = now, LastTransitionTime = now },
        ];
    }

    private static V1NodeSystemInfo SystemInfo(AgentOptions options, NodeInfo info)
    {
        static string Read(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : "";
        var osImage = File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?["PRETTY_NAME=".Length..].Trim('"') ?? "Linux"
            : "Linux";
        var version = typeof(NodeDocument).Assembly.GetName().Version?.ToString() ?? "dev";
        return new V1NodeSystemInfo
        {
            Architecture = info.Labels["kubernetes.io/arch"],
            BootID = Read("/proc/sys/kernel/random/boot_id"),
            MachineID = Read("/etc/machine-id"),
            SystemUUID = Read("/sys/class/dmi/id/product_uuid"),
            KernelVersion = Read("/proc/sys/kernel/osrelease"),
            OperatingSystem = "linux",
            OsImage = osImage,
            ContainerRuntimeVersion = $"berth://{version} ({options.Runtime.RuncBinary})",
            KubeletVersion = $"berth-{version}",
            KubeProxyVersion = "",
        };
    }
}
