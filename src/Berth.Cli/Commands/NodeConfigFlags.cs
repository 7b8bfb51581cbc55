using System.CommandLine;
using Berth.Core.Capacity;
using Berth.Core.Manifests;
using Berth.Core.Security.PodSecurity;
using Berth.Core.Validation;
using Berth.Node.Configuration;
using Berth.Runtime;
using k8s.Models;

namespace Berth.Cli.Commands;

/// <summary>
/// The serve flags of node protection, named as the kubelet's (--system-reserved,
/// --enforce-node-allocatable, --eviction-hard, --max-pods, --node-labels,
/// --register-with-taints, ...), over the KubeletConfiguration file's values: a flag given wins.
/// The merged values are checked together (a reserved cgroup to enforce must be named, a soft
/// threshold needs a grace period, image GC's low threshold is not above its high one).
/// </summary>
public sealed class NodeConfigFlags
{
    private readonly Option<string?> systemReserved = new("--system-reserved") { Description = "cpu=500m,memory=1Gi,pid=1000,ephemeral-storage=1Gi kept for the system's daemons" };
    private readonly Option<string?> kubeReserved = new("--kube-reserved") { Description = "The same, kept for Berth and the runtime" };
    private readonly Option<string?> systemReservedCgroup = new("--system-reserved-cgroup") { Description = "Existing cgroup where system-reserved is enforced" };
    private readonly Option<string?> kubeReservedCgroup = new("--kube-reserved-cgroup") { Description = "Existing cgroup where kube-reserved is enforced" };
    private readonly Option<string?> enforce = new("--enforce-node-allocatable") { Description = "pods,system-reserved,kube-reserved or none (default: pods)" };
    private readonly Option<string?> evictionHard = new("--eviction-hard") { Description = "memory.available<100Mi,nodefs.available<10%,... (default: the kubelet's)" };
    private readonly Option<string?> evictionSoft = new("--eviction-soft") { Description = "Soft thresholds, same form; each needs --eviction-soft-grace-period" };
    private readonly Option<string?> evictionSoftGrace = new("--eviction-soft-grace-period") { Description = "memory.available=1m30s,..." };
    private readonly Option<string?> transition = new("--eviction-pressure-transition-period") { Description = "How long a pressure condition holds after its signal recovers (default 5m0s)" };
    private readonly Option<string?> minimumReclaim = new("--eviction-minimum-reclaim") { Description = "memory.available=0Mi,nodefs.available=500Mi,...: how far past its threshold a signal must recover before eviction stops" };
    private readonly Option<string?> maxPodGrace = new("--eviction-max-pod-grace-period") { Description = "Longest grace period in seconds of a pod evicted for a soft threshold (default 0; negative: the pod's own)" };
    private readonly Option<int?> maxPods = new("--max-pods") { Description = "Pods the node runs at most (default 110)" };
    private readonly Option<string?> nodeLabels = new("--node-labels") { Description = "key=value,... added to the node's labels (node affinity and nodeSelector match them)" };
    private readonly Option<string?> taints = new("--register-with-taints") { Description = "key=value:Effect,... taints of the node; pods must tolerate NoSchedule and NoExecute ones" };
    private readonly Option<string?> hostnameOverride = new("--hostname-override") { Description = "The node's name (default: the host name)" };
    private readonly Option<string?> cgroupDriver = new("--cgroup-driver") { Description = "cgroupfs (systemd is not supported yet)" };
    private readonly Option<string?> podSecurityConfig = new("--pod-security-config") { Description = "A pod-security.admission.config.k8s.io/v1 PodSecurityConfiguration: the levels of namespaces without pod-security labels, and exemptions (default: privileged)" };

    public IEnumerable<Option> Options =>
    [
        systemReserved, kubeReserved, systemReservedCgroup, kubeReservedCgroup, enforce, evictionHard, evictionSoft, evictionSoftGrace, transition, minimumReclaim, maxPodGrace, maxPods,
        nodeLabels, taints, hostnameOverride, cgroupDriver, podSecurityConfig,
    ];

    /// <summary>The node settings in effect: defaults, then the file, then the flags given.</summary>
    /// <exception cref="ValidationException">A bad value in the file or a flag, naming it; the agent does not start.</exception>
    public (NodeProtectionOptions Node, KubeletConfigFile? File) Resolve(ParseResult parse, string? configFile)
    {
        var file = configFile is null ? null : KubeletConfigFile.Load(Path.GetFullPath(configFile));
        var errors = new List<string>();
        var node = new NodeProtectionOptions();
        if (file is not null)
        {
            var hard = file.EvictionHard is { } given
                ? file.MergeDefaultEvictionSettings == true ? [.. given, .. EvictionThresholds.DefaultHard.Where(d => given.All(g => g.Signal != d.Signal))] : given
                : node.EvictionHard;
            node = node with
            {
                SystemReserved = file.SystemReserved ?? node.SystemReserved,
                KubeReserved = file.KubeReserved ?? node.KubeReserved,
                SystemReservedCgroup = file.SystemReservedCgroup,
                KubeReservedCgroup = file.KubeReservedCgroup,
                Enforce = file.EnforceNodeAllocatable ?? node.Enforce,
                EvictionHard = hard,
                EvictionSoft = file.EvictionSoft ?? node.EvictionSoft,
                EvictionSoftGracePeriod = file.EvictionSoftGracePeriod ?? node.EvictionSoftGracePeriod,
                EvictionPressureTransitionPeriod = file.EvictionPressureTransitionPeriod ?? node.EvictionPressureTransitionPeriod,
                EvictionMinimumReclaim = file.EvictionMinimumReclaim ?? node.EvictionMinimumReclaim,
                EvictionMaxPodGracePeriod = file.EvictionMaxPodGracePeriod ?? node.EvictionMaxPodGracePeriod,
                MaxPods = file.MaxPods ?? node.MaxPods,
            };
        }

        string? Flag(Option<string?> option) => parse.GetValue(option);
        if (Flag(cgroupDriver) is { } driver && driver != "cgroupfs")
        {
            errors.Add($"--cgroup-driver: Unsupported value: \"{driver}\": supported values: \"cgroupfs\"{(driver == "systemd" ? " (Berth does not drive cgroups through systemd yet)" : "")}");
        }

        if (Flag(systemReserved) is { } sr)
        {
            node = node with { SystemReserved = NodeResources.Parse(Pairs(sr, "--system-reserved", errors), "--system-reserved", errors) };
        }

        if (Flag(kubeReserved) is { } kr)
        {
            node = node with { KubeReserved = NodeResources.Parse(Pairs(kr, "--kube-reserved", errors), "--kube-reserved", errors) };
        }

        node = node with
        {
            SystemReservedCgroup = Flag(systemReservedCgroup) ?? node.SystemReservedCgroup,
            KubeReservedCgroup = Flag(kubeReservedCgroup) ?? node.KubeReservedCgroup,
            MaxPods = parse.GetValue(maxPods) ?? node.MaxPods,
            NodeName = Flag(hostnameOverride)?.ToLowerInvariant(),
        };
        if (Flag(enforce) is { } e)
        {
            node = node with { Enforce = EnforcementFlag(e, errors) };
        }

        if (Flag(evictionHard) is { } eh)
        {
            node = node with { EvictionHard = EvictionThresholds.ParseFlag(eh, "--eviction-hard", errors) };
        }

        if (Flag(evictionSoft) is { } es)
        {
            node = node with { EvictionSoft = EvictionThresholds.ParseFlag(es, "--eviction-soft", errors) };
        }

        if (Flag(evictionSoftGrace) is { } eg)
        {
            node = node with { EvictionSoftGracePeriod = GraceFlag(eg, errors) };
        }

        if (Flag(transition) is { } t)
        {
            if (GoDuration.TryParse(t, out var period))
            {
                node = node with { EvictionPressureTransitionPeriod = period };
            }
            else
            {
                errors.Add($"--eviction-pressure-transition-period: Invalid value: \"{t}\": must be a duration such as 5m0s");
            }
        }

        if (Flag(minimumReclaim) is { } mr)
        {
            node = node with { EvictionMinimumReclaim = EvictionThresholds.ParseMinimumReclaimFlag(mr, "--eviction-minimum-reclaim", errors) };
        }

        if (Flag(maxPodGrace) is { } mg)
        {
            if (int.TryParse(mg, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
            {
                node = node with { EvictionMaxPodGracePeriod = seconds };
            }
            else
            {
                errors.Add($"--eviction-max-pod-grace-period: Invalid value: \"{mg}\": must be a whole number of seconds (an int32)");
            }
        }

        if (Flag(nodeLabels) is { } labels)
        {
            node = node with { NodeLabels = LabelsFlag(labels, errors) };
        }

        if (Flag(taints) is { } taintList)
        {
            node = node with { Taints = [.. taintList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x => Tolerations.ParseTaint(x, "--register-with-taints", errors)).OfType<V1Taint>()] };
        }

        if (parse.GetValue(maxPods) is < 0)
        {
            errors.Add("--max-pods: Invalid value: must not be negative");
        }

        CheckTogether(node, errors);
        if (errors.Count > 0)
        {
            throw new ValidationException([.. errors.Select(x => Split(x.StartsWith("--", StringComparison.Ordinal) ? "berth serve" : configFile ?? "berth serve", x))]);
        }

        if (Flag(podSecurityConfig) is { } psa)
        {
            var configuration = PodSecurityConfiguration.Parse(Global.ReadFile(psa), psa);
            foreach (var warning in configuration.Warnings)
            {
                Console.Error.WriteLine($"warning: {warning} (ignored)");
            }

            node = node with { PodSecurity = configuration };
        }

        return (node, file);
    }

    /// <summary>The kubelet's checks across fields, on the merged values.</summary>
    private static void CheckTogether(NodeProtectionOptions node, List<string> errors)
    {
        if (node.Enforce.HasFlag(AllocatableEnforcement.SystemReserved) && node.SystemReservedCgroup is null)
        {
            errors.Add("systemReservedCgroup: Required value: must be set (--system-reserved-cgroup) when enforceNodeAllocatable has \"system-reserved\"");
        }

        if (node.Enforce.HasFlag(AllocatableEnforcement.KubeReserved) && node.KubeReservedCgroup is null)
        {
            errors.Add("kubeReservedCgroup: Required value: must be set (--kube-reserved-cgroup) when enforceNodeAllocatable has \"kube-reserved\"");
        }

        foreach (var soft in node.EvictionSoft.Where(s => !node.EvictionSoftGracePeriod.ContainsKey(s.Signal)))
        {
            errors.Add($"evictionSoftGracePeriod.{soft.Signal}: Required value: the soft threshold of {soft.Signal} needs a grace period");
        }
    }

    private static FieldError Split(string source, string error)
    {
        var colon = error.IndexOf(": ", StringComparison.Ordinal);
        return new FieldError(source, error[..colon], error[(colon + 2)..]);
    }

    private static List<KeyValuePair<string, string?>> Pairs(string text, string flag, List<string> errors)
    {
        var pairs = new List<KeyValuePair<string, string?>>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                errors.Add($"{flag}: Invalid value: \"{part}\": must be NAME=VALUE");
                continue;
            }

            pairs.Add(new(part[..eq], part[(eq + 1)..]));
        }

        return pairs;
    }

    private static AllocatableEnforcement EnforcementFlag(string text, List<string> errors)
    {
        var result = AllocatableEnforcement.None;
        var values = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var value in values)
        {
            result |= value switch
            {
                "pods" => AllocatableEnforcement.Pods,
                "system-reserved" => AllocatableEnforcement.SystemReserved,
                "kube-reserved" => AllocatableEnforcement.KubeReserved,
                "none" when values.Length == 1 => AllocatableEnforcement.None,
                _ => Bad(value),
            };
        }

        return result;

        AllocatableEnforcement Bad(string value)
        {
            errors.Add($"--enforce-node-allocatable: Unsupported value: \"{value}\": supported values: \"pods\", \"system-reserved\", \"kube-reserved\", or \"none\" alone");
            return AllocatableEnforcement.None;
        }
    }

    private static Dictionary<string, TimeSpan> GraceFlag(string text, List<string> errors)
    {
        var periods = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var (signal, value) in Pairs(text, "--eviction-soft-grace-period", errors))
        {
            if (!EvictionThresholds.Signals.Contains(signal) || !GoDuration.TryParse(value, out var period))
            {
                errors.Add($"--eviction-soft-grace-period: Invalid value: \"{signal}={value}\": must be SIGNAL=DURATION, e.g. memory.available=1m30s");
                continue;
            }

            periods[signal] = period;
        }

        return periods;
    }

    private static Dictionary<string, string> LabelsFlag(string text, List<string> errors)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in Pairs(text, "--node-labels", errors))
        {
            if ((LabelSyntax.KeyProblem(key) ?? LabelSyntax.ValueProblem(value ?? "")) is { } problem)
            {
                errors.Add($"--node-labels: Invalid value: \"{key}={value}\": {problem}");
                continue;
            }

            labels[key] = value ?? "";
        }

        return labels;
    }
}
