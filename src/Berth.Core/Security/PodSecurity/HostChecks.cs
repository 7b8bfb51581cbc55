using System.Globalization;
using k8s.Models;
using static Berth.Core.Security.PodSecurity.PodSecurityWords;

namespace Berth.Core.Security.PodSecurity;

/// <summary>
/// The baseline checks of what a pod shares with the host (pod-security-admission
/// policy/check_hostNamespaces.go, check_hostPathVolumes.go, check_hostPorts.go,
/// check_hostProbesAndhostLifecycle.go, check_windowsHostProcess.go), with PSA's ids and words.
/// </summary>
internal static class HostChecks
{
    /// <summary>
    /// hostNetwork, hostPID and hostIPC must be unset or false. KEP-5714 adds
    /// <c>hostCgroupNamespace</c> to the same check: the node's cgroup namespace shows the host's
    /// whole cgroup tree (on cgroup v2 a nested runtime creates cgroups outside the pod's limits),
    /// so baseline forbids true, reported with the others under "host namespaces". It applies at
    /// every version, as PSA's checks of fields newer than the policy version do (procMount,
    /// appArmorProfile): a pod pinned to an old version must not gain the new privilege.
    /// </summary>
    public static PodSecurityViolation? HostNamespaces(PodSecurityInput pod)
    {
        var found = new List<(string Detail, string Path)>();
        if (pod.Spec.HostNetwork == true)
        {
            found.Add(("hostNetwork=true", "spec.hostNetwork"));
        }

        if (pod.Spec.HostPID == true)
        {
            found.Add(("hostPID=true", "spec.hostPID"));
        }

        if (pod.Spec.HostIPC == true)
        {
            found.Add(("hostIPC=true", "spec.hostIPC"));
        }

        if (pod.HostCgroupNamespace == true)
        {
            found.Add(("hostCgroupNamespace=true", "spec.hostCgroupNamespace"));
        }

        return found.Count == 0 ? null : new PodSecurityViolation(
            "hostNamespaces", "host namespaces", string.Join(", ", found.Select(f => f.Detail)), [.. found.Select(f => f.Path)]);
    }

    /// <summary>No hostPath volume.</summary>
    public static PodSecurityViolation? HostPathVolumes(PodSecurityInput pod)
    {
        var volumes = pod.Spec.Volumes ?? [];
        var bad = Enumerable.Range(0, volumes.Count).Where(i => volumes[i].HostPath is not null).ToList();
        return bad.Count == 0 ? null : new PodSecurityViolation(
            "hostPathVolumes",
            "hostPath volumes",
            $"{Plural("volume", "volumes", bad.Count)} {JoinQuote(bad.Select(i => volumes[i].Name ?? ""))}",
            [.. bad.Select(i => $"spec.volumes[{i}].hostPath")]);
    }

    /// <summary>No container port with a hostPort other than 0.</summary>
    public static PodSecurityViolation? HostPorts(PodSecurityInput pod)
    {
        var containers = new List<string>();
        var ports = new List<string>();
        var paths = new List<string>();
        foreach (var container in pod.Containers)
        {
            var list = container.Ports ?? [];
            var bad = Enumerable.Range(0, list.Count).Where(i => list[i].HostPort is { } port && port != 0).ToList();
            if (bad.Count > 0)
            {
                containers.Add(container.Name);
                ports.AddRange(bad.Select(i => list[i].HostPort!.Value.ToString(CultureInfo.InvariantCulture)));
                paths.AddRange(bad.Select(i => $"{container.Path}.ports[{i}].hostPort"));
            }
        }

        // The ports are a set of strings in PSA, so they come sorted as text ("10080" before "80").
        var distinct = Sorted(ports);
        return containers.Count == 0 ? null : new PodSecurityViolation(
            "hostPorts",
            "hostPort",
            $"{Containers(containers)} {Plural("uses", "use", containers.Count)} {Plural("hostPort", "hostPorts", distinct.Count)} {string.Join(", ", distinct)}",
            paths);
    }

    /// <summary>From v1.34: probes and lifecycle handlers must not name a host (httpGet.host,
    /// tcpSocket.host): the kubelet would connect wherever the pod says, from the node.</summary>
    public static PodSecurityViolation? HostProbesAndHostLifecycle(PodSecurityInput pod)
    {
        var containers = new List<string>();
        var hosts = new List<string>();
        var paths = new List<string>();
        foreach (var container in pod.Containers)
        {
            var found = new List<(string Host, string Path)>();
            Probe(container.LivenessProbe, $"{container.Path}.livenessProbe", found);
            Probe(container.ReadinessProbe, $"{container.Path}.readinessProbe", found);
            Probe(container.StartupProbe, $"{container.Path}.startupProbe", found);
            Handler(container.Lifecycle?.PostStart, $"{container.Path}.lifecycle.postStart", found);
            Handler(container.Lifecycle?.PreStop, $"{container.Path}.lifecycle.preStop", found);
            if (found.Count > 0)
            {
                containers.Add(container.Name);
                hosts.AddRange(found.Select(f => f.Host));
                paths.AddRange(found.Select(f => f.Path));
            }
        }

        var names = Sorted(containers);
        var distinct = Sorted(hosts);
        return names.Count == 0 ? null : new PodSecurityViolation(
            "hostProbesAndHostLifecycle",
            "probe or lifecycle host",
            $"{Containers(names)} {Plural("uses", "use", names.Count)} {Plural("probe or lifecycle host", "probe or lifecycle hosts", distinct.Count)} {JoinQuote(distinct)}",
            paths);
    }

    /// <summary>Neither the pod nor a container sets windowsOptions.hostProcess=true.</summary>
    public static PodSecurityViolation? WindowsHostProcess(PodSecurityInput pod)
    {
        var podSets = pod.PodSecurity?.WindowsOptions?.HostProcess == true;
        var bad = pod.Containers.Where(c => c.SecurityContext?.WindowsOptions?.HostProcess == true).ToList();
        if (!podSets && bad.Count == 0)
        {
            return null;
        }

        var paths = bad.Select(c => c.SecurityPath("windowsOptions.hostProcess")).ToList();
        if (podSets)
        {
            paths.Insert(0, "spec.securityContext.windowsOptions.hostProcess");
        }

        return new PodSecurityViolation(
            "windowsHostProcess",
            "hostProcess",
            $"{Setters(podSets, [.. bad.Select(c => c.Name)])} must not set securityContext.windowsOptions.hostProcess=true",
            paths);
    }

    private static void Probe(V1Probe? probe, string path, List<(string, string)> found)
    {
        if (!string.IsNullOrEmpty(probe?.HttpGet?.Host))
        {
            found.Add((probe.HttpGet.Host, $"{path}.httpGet.host"));
        }

        if (!string.IsNullOrEmpty(probe?.TcpSocket?.Host))
        {
            found.Add((probe.TcpSocket.Host, $"{path}.tcpSocket.host"));
        }
    }

    private static void Handler(V1LifecycleHandler? handler, string path, List<(string, string)> found)
    {
        if (!string.IsNullOrEmpty(handler?.HttpGet?.Host))
        {
            found.Add((handler.HttpGet.Host, $"{path}.httpGet.host"));
        }

        if (!string.IsNullOrEmpty(handler?.TcpSocket?.Host))
        {
            found.Add((handler.TcpSocket.Host, $"{path}.tcpSocket.host"));
        }
    }
}
