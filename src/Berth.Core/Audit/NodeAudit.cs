using Berth.Core.Planning;
using k8s.Models;

namespace Berth.Core.Audit;

/// <summary>The node's settings the audit looks at.</summary>
/// <param name="PodPidsLimit">podPidsLimit; null or -1 when unlimited.</param>
/// <param name="PodsEnforced">enforceNodeAllocatable has pods.</param>
/// <param name="HasSystemReserved">systemReserved holds anything.</param>
/// <param name="HasKubeReserved">kubeReserved holds anything.</param>
/// <param name="SeccompDefault">seccompDefault: RuntimeDefault for containers that name no profile.</param>
/// <param name="RuntimeSockets">Sockets that control a container runtime on this node (Berth's own first).</param>
public sealed record AuditNode(long? PodPidsLimit, bool PodsEnforced, bool HasSystemReserved, bool HasKubeReserved, bool SeccompDefault, IReadOnlyList<string> RuntimeSockets);

/// <summary>A pod as the audit sees it: where it runs, its QoS class, its spec and whether it
/// shares the host's cgroup namespace (as planned, after KEP-5714's defaults).</summary>
public sealed record AuditPod(string Namespace, string Name, QosClass Qos, V1PodSpec Spec, bool HostCgroupNamespace);

/// <summary>One finding: a stable id, a severity (high, medium, low), what is wrong, the
/// evidence (which pods, containers or settings) and how to fix it.</summary>
public sealed record AuditFinding(string Id, string Severity, string Title, IReadOnlyList<string> Evidence, string Fix);

/// <summary>
/// <c>berth audit</c>: the running configuration and pods checked against known causes of
/// node-killing incidents (fork bombs, unbounded kubepods, memory hogs beside critical pods,
/// container escapes through the host's cgroups, the runtime's own socket mounted into a pod).
/// </summary>
public static class NodeAudit
{
    public const string High = "high";
    public const string Medium = "medium";
    public const string Low = "low";

    private static readonly string[] HostPathsThatOwnTheNode = ["/", "/proc", "/sys"];

    public static IReadOnlyList<AuditFinding> Run(AuditNode node, IReadOnlyList<AuditPod> pods, IReadOnlySet<string> namespacesWithLimitRange)
    {
        var findings = new List<AuditFinding>();
        void Add(string id, string severity, string title, IEnumerable<string> evidence, string fix)
        {
            var list = evidence.ToList();
            if (list.Count > 0)
            {
                findings.Add(new AuditFinding(id, severity, title, list, fix));
            }
        }

        Add("BA001", High, "pods have no PID limit: one fork bomb takes every PID of the node",
            node.PodPidsLimit is null or -1 ? ["podPidsLimit is unset (unlimited)"] : [],
            "set podPidsLimit in the KubeletConfiguration (or --pod-pids-limit), e.g. 4096");
        Add("BA002", High, "node allocatable is not enforced on pods: kubepods can take all memory and cpu",
            node.PodsEnforced ? [] : ["enforceNodeAllocatable does not include pods"],
            "add pods to enforceNodeAllocatable (--enforce-node-allocatable pods)");
        Add("BA003", Medium, "nothing is reserved for the system or for Berth: pods may starve them",
            node.HasSystemReserved || node.HasKubeReserved ? [] : ["systemReserved and kubeReserved are empty"],
            "set systemReserved and kubeReserved (cpu, memory, pid), e.g. --system-reserved cpu=500m,memory=1Gi");
        var guaranteed = pods.Where(p => p.Qos == QosClass.Guaranteed).ToList();
        Add("BA004", Medium, "BestEffort pods run beside Guaranteed ones: under memory pressure they compete for the same memory first",
            guaranteed.Count == 0 ? [] : pods.Where(p => p.Qos == QosClass.BestEffort).Select(p => $"{p.Namespace}/{p.Name} is BestEffort (beside {guaranteed.Count} Guaranteed)"),
            "give those pods requests and limits, or run them on another node");
        Add("BA005", Medium, "containers without a memory limit can use all of the node's memory",
            pods.SelectMany(p => Containers(p.Spec).Where(c => !HasMemoryLimit(p.Spec, c)).Select(c => $"{p.Namespace}/{p.Name}/{c.Name}")),
            "set resources.limits.memory (or a LimitRange default for the namespace)");
        Add("BA006", High, "privileged pods share the host's cgroup namespace: a nested runtime can place cgroups outside the pod",
            pods.Where(p => p.HostCgroupNamespace && Containers(p.Spec).Any(c => c.SecurityContext?.Privileged == true)).Select(p => $"{p.Namespace}/{p.Name}"),
            "set spec.hostCgroupNamespace: false (KEP-5714) on privileged pods that run containers");
        Add("BA007", Low, "namespaces without a LimitRange: their containers get no default limits",
            pods.Select(p => p.Namespace).Distinct().Where(ns => !namespacesWithLimitRange.Contains(ns)).Order(StringComparer.Ordinal).Select(ns => $"namespace {ns}"),
            "play a LimitRange with default and defaultRequest for each namespace");
        Add("BA008", Medium, "containers run without a seccomp filter",
            pods.SelectMany(p => Containers(p.Spec).Where(c => Unconfined(p.Spec, c, node.SeccompDefault)).Select(c => $"{p.Namespace}/{p.Name}/{c.Name}")),
            "set seccompProfile: { type: RuntimeDefault } (or seccompDefault: true for the node)");
        Add("BA009", High, "hostPath volumes expose the node's root, /proc, /sys or a runtime's socket",
            pods.SelectMany(p => (p.Spec.Volumes ?? []).Where(v => v.HostPath is not null && Dangerous(v.HostPath.Path, node.RuntimeSockets))
                .Select(v => $"{p.Namespace}/{p.Name} volume {v.Name}: hostPath {v.HostPath.Path}")),
            "remove the hostPath volume, or mount a narrower directory read-only");
        return findings;
    }

    private static IEnumerable<V1Container> Containers(V1PodSpec spec) => (spec.InitContainers ?? []).Concat(spec.Containers ?? []);

    private static bool HasMemoryLimit(V1PodSpec spec, V1Container container) =>
        container.Resources?.Limits?.ContainsKey("memory") == true || spec.Resources?.Limits?.ContainsKey("memory") == true;

    /// <summary>Privileged containers run without seccomp whatever they name, as runc runs them.</summary>
    private static bool Unconfined(V1PodSpec spec, V1Container container, bool seccompDefault)
    {
        if (container.SecurityContext?.Privileged == true)
        {
            return true;
        }

        var type = container.SecurityContext?.SeccompProfile?.Type ?? spec.SecurityContext?.SeccompProfile?.Type;
        return type is null ? !seccompDefault : type == "Unconfined";
    }

    private static bool Dangerous(string path, IReadOnlyList<string> sockets)
    {
        var normal = "/" + string.Join('/', path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        return HostPathsThatOwnTheNode.Any(p => normal == p || (p != "/" && normal.StartsWith(p + "/", StringComparison.Ordinal)))
            || sockets.Any(s => normal == s || s.StartsWith(normal + "/", StringComparison.Ordinal));
    }
}
