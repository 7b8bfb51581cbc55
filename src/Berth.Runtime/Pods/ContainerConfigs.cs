using Berth.Core.Planning;
using Berth.Runtime.Model;
using k8s.Models;

namespace Berth.Runtime.Pods;

/// <summary>Turns a manifest's containers and the pod's plan into runtime requests: the part of
/// the kubelet's work (kuberuntime_container.go generateContainerConfig) the standalone path does.</summary>
public static class ContainerConfigs
{
    public static SandboxConfig Sandbox(V1Pod pod, PodPlan plan, string logRoot) => new()
    {
        Name = plan.Name,
        Namespace = plan.Namespace,
        Uid = plan.Uid,
        Hostname = pod.Spec.Hostname ?? plan.Name,
        LogDirectory = LogDirectory(logRoot, plan),
        CgroupParent = plan.CgroupParent,
        Network = plan.Namespaces.Network,
        Ipc = plan.Namespaces.Ipc,
        Pid = plan.Namespaces.Pid,
        Labels = new Dictionary<string, string>(pod.Metadata.Labels ?? new Dictionary<string, string>()),
        Annotations = new Dictionary<string, string>(pod.Metadata.Annotations ?? new Dictionary<string, string>()),
        PortMappings = PortMappings(pod),
        Sysctls = (pod.Spec.SecurityContext?.Sysctls ?? []).ToDictionary(s => Core.Security.Sysctls.Normalize(s.Name), s => s.Value ?? ""),
        HostAliases = [.. (pod.Spec.HostAliases ?? []).Select(a => new HostAlias(a.Ip, [.. a.Hostnames ?? []]))],
        Dns = PodDns.For(pod.Spec, NodeResolver) is { } dns ? new SandboxDns(dns.Servers, dns.Searches, dns.Options) : null,
    };

    /// <summary>The node's resolver, the base of Default (and of ClusterFirst without a cluster DNS).</summary>
    private static ResolverSettings NodeResolver() =>
        ResolverSettings.Parse(File.Exists("/etc/resolv.conf") ? File.ReadAllText("/etc/resolv.conf") : "");

    /// <summary>The containers' ports that ask for a host port (the kubelet passes every port; only
    /// these have anything to forward).</summary>
    public static IReadOnlyList<Network.PortMapping> PortMappings(V1Pod pod) =>
        [.. (pod.Spec.Containers ?? [])
            .SelectMany(c => c.Ports ?? [])
            .Where(p => p.HostPort is > 0)
            .Select(p => new Network.PortMapping(p.ContainerPort, p.HostPort!.Value, (p.Protocol ?? "TCP").ToLowerInvariant(), p.HostIP ?? ""))];

    /// <summary>kubelet's layout: /var/log/pods/&lt;namespace&gt;_&lt;name&gt;_&lt;uid&gt;.</summary>
    public static string LogDirectory(string logRoot, PodPlan plan) => Path.Combine(logRoot, $"{plan.Namespace}_{plan.Name}_{plan.Uid}");

    /// <summary>Host paths of the pod's volumes: emptyDir under the pod's directory, hostPath as given.</summary>
    public static IReadOnlyDictionary<string, string> VolumePaths(V1Pod pod, string podDir) =>
        (pod.Spec.Volumes ?? []).ToDictionary(v => v.Name, v => v.HostPath?.Path ?? Path.Combine(podDir, "volumes", v.Name));

    /// <param name="subPaths">Mount sources prepared by <see cref="SubPaths.Prepare"/>, by volumeMount index.</param>
    /// <exception cref="ContainerConfigException">The security context cannot be applied on this node (a missing seccomp profile).</exception>
    public static ContainerConfig Container(V1Pod pod, V1Container container, ContainerPlan plan, int restartCount, IReadOnlyDictionary<string, string> volumePaths, IReadOnlyDictionary<int, string>? subPaths = null, NodeSecurityOptions? node = null)
    {
        return new ContainerConfig
        {
            Name = container.Name,
            Attempt = restartCount,
            Image = container.Image,
            Command = [.. container.Command ?? []],
            Args = [.. container.Args ?? []],
            Env = [.. (container.Env ?? []).Select(e => KeyValuePair.Create(e.Name, e.Value ?? ""))],
            WorkingDir = container.WorkingDir,
            Stdin = container.Stdin == true,
            StdinOnce = container.StdinOnce == true,
            Tty = container.Tty == true,
            Mounts = [.. (container.VolumeMounts ?? []).Select((m, i) => new ContainerMount(
                SubPaths.MountSource(m, i, volumePaths, subPaths),
                m.MountPath,
                m.ReadOnlyProperty == true))],
            Security = SecurityContexts.For(pod, container, node ?? new NodeSecurityOptions()),
            Limits = new ContainerLimits
            {
                CpuShares = plan.CpuShares,
                CpuQuota = plan.CpuQuota,
                CpuPeriod = plan.CpuPeriod,
                MemoryLimit = plan.MemoryLimit,
                OomScoreAdj = plan.OomScoreAdj,
                Unified = MemoryQosFiles(plan.Memory),
            },
            Pid = plan.Namespaces.Pid,
            Cgroup = plan.Namespaces.Cgroup,
            LogPath = Path.Combine(container.Name, $"{restartCount}.log"),
            Labels = new Dictionary<string, string>
            {
                ["io.kubernetes.container.name"] = container.Name,
                ["io.kubernetes.pod.name"] = pod.Metadata.Name,
                ["io.kubernetes.pod.namespace"] = pod.Metadata.NamespaceProperty ?? PodPlanner.DefaultNamespace,
            },
        };
    }

    /// <summary>Memory QoS's cgroup v2 files for runc to write into the container's cgroup.</summary>
    public static IReadOnlyDictionary<string, string>? MemoryQosFiles(MemoryProtection memory)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        void Set(string file, long? value)
        {
            if (value is { } bytes)
            {
                files[file] = bytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        Set("memory.min", memory.Min);
        Set("memory.low", memory.Low);
        Set("memory.high", memory.High);
        return files.Count > 0 ? files : null;
    }
}
