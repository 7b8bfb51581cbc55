using Berth.Core.Planning;
using Berth.Runtime.Model;
using Berth.Runtime.Specs;

namespace Berth.Cri.Runtime;

/// <summary>A RunPodSandbox request as a <see cref="SandboxConfig"/>, or InvalidArgument naming every problem.</summary>
internal static class SandboxRequests
{
    /// <summary>Where sandboxes go when the request names no cgroup parent (crictl, critest):
    /// one cgroup per pod uid under the agent's cgroup root, removed with the sandbox.</summary>
    public const string DefaultParent = "berth-cri";

    private const int MaxHostname = 64;

    // Namespaced sysctls (runc accepts these only in a namespace the pod owns).
    private static readonly string[] IpcSysctlPrefixes = ["kernel.shm", "kernel.msg", "fs.mqueue."];
    private static readonly string[] IpcSysctls = ["kernel.sem"];
    private static readonly string[] UtsSysctls = ["kernel.hostname", "kernel.domainname"];

    public static SandboxConfig From(V1.RunPodSandboxRequest request, string cgroupRoot)
    {
        var problems = new List<string>();
        var config = request.Config;
        if (config is null)
        {
            throw CriErrors.InvalidArgument("config is required");
        }

        var metadata = config.Metadata;
        if (metadata is null)
        {
            throw CriErrors.InvalidArgument("config.metadata is required");
        }

        foreach (var (value, field) in new[] { (metadata.Name, "name"), (metadata.Uid, "uid"), (metadata.Namespace, "namespace") })
        {
            if (string.IsNullOrEmpty(value))
            {
                problems.Add($"config.metadata.{field} is required");
            }
        }

        if (!CriRuntimeService.Handlers.Contains(request.RuntimeHandler))
        {
            problems.Add($"runtime_handler \"{request.RuntimeHandler}\" is not configured on this node (it has \"runc\", the default)");
        }

        // The kernel's limit (HOST_NAME_MAX); runc would fail the sandbox half made.
        if (config.Hostname.Length > MaxHostname)
        {
            problems.Add($"config.hostname \"{config.Hostname}\" is longer than {MaxHostname} characters");
        }

        if (config.LogDirectory.Length > 0 && !Path.IsPathRooted(config.LogDirectory))
        {
            problems.Add($"config.log_directory \"{config.LogDirectory}\" must be absolute");
        }

        var security = config.Linux?.SecurityContext;
        var namespaces = security?.NamespaceOptions;
        var network = SandboxMode(namespaces?.Network ?? V1.NamespaceMode.Pod, "network", problems);
        var ipc = SandboxMode(namespaces?.Ipc ?? V1.NamespaceMode.Pod, "ipc", problems);
        // Absent options read as the message's zero values, as in every CRI runtime: POD.
        var pid = namespaces?.Pid switch
        {
            V1.NamespaceMode.Container => NamespaceMode.Container,
            null or V1.NamespaceMode.Pod => NamespaceMode.Pod,
            V1.NamespaceMode.Node => NamespaceMode.Node,
            _ => Invalid(problems, "config.linux.security_context.namespace_options.pid: TARGET is for containers, not sandboxes"),
        };
        var userns = UserNamespaceRequests.FromSandbox(namespaces?.UsernsOptions, "config.linux.security_context.namespace_options.userns_options", problems);

        var cgroupMode = CgroupNamespaces.Requested(namespaces?.CgroupnsOptions, "config.linux.security_context.namespace_options.cgroupns_options", problems);
        var (parent, owned) = CgroupParent(config.Linux?.CgroupParent ?? "", metadata.Uid, cgroupRoot, problems);
        var sysctls = config.Linux?.Sysctls ?? [];
        foreach (var (name, _) in sysctls)
        {
            if (SysctlProblem(name, network, ipc) is { } problem)
            {
                problems.Add($"config.linux.sysctls[{name}]: {problem}");
            }
        }

        var ports = new List<Berth.Runtime.Network.PortMapping>();
        for (var i = 0; i < config.PortMappings.Count; i++)
        {
            var m = config.PortMappings[i];
            if (m.ContainerPort is < 0 or > 65535 || m.HostPort is < 0 or > 65535)
            {
                problems.Add($"config.port_mappings[{i}]: ports must be within 0-65535 (container_port {m.ContainerPort}, host_port {m.HostPort})");
                continue;
            }

            ports.Add(new(m.ContainerPort, m.HostPort, m.Protocol.ToString().ToLowerInvariant(), m.HostIp));
        }

        CriErrors.ThrowIfAny(problems);
        var dns = config.DnsConfig;
        return new SandboxConfig
        {
            Name = metadata.Name,
            Namespace = metadata.Namespace,
            Uid = metadata.Uid,
            Attempt = (int)metadata.Attempt,
            Hostname = config.Hostname.Length > 0 ? config.Hostname : null,
            LogDirectory = config.LogDirectory,
            CgroupParent = parent,
            OwnsCgroupParent = owned,
            Network = network,
            Ipc = ipc,
            Pid = pid,
            Cgroup = cgroupMode,
            UserNamespace = userns,
            Privileged = security?.Privileged == true,
            Labels = Labels.Of(config.Labels),
            Annotations = Labels.Of(config.Annotations),
            Sysctls = Labels.Of(sysctls),
            Dns = dns is not null && (dns.Servers.Count > 0 || dns.Searches.Count > 0 || dns.Options.Count > 0)
                ? new SandboxDns([.. dns.Servers], [.. dns.Searches], [.. dns.Options])
                : null,
            PortMappings = ports,
            RuntimeHandler = request.RuntimeHandler,
            Origin = SandboxOrigin.Cri,
        };
    }

    /// <summary>Network and IPC belong to the sandbox: POD (its own) or NODE; CONTAINER makes no
    /// sense for a namespace the whole pod shares and is read as POD, as containerd does.</summary>
    private static NamespaceMode SandboxMode(V1.NamespaceMode mode, string which, List<string> problems) => mode switch
    {
        V1.NamespaceMode.Node => NamespaceMode.Node,
        V1.NamespaceMode.Pod or V1.NamespaceMode.Container => NamespaceMode.Pod,
        _ => Invalid(problems, $"config.linux.security_context.namespace_options.{which}: {mode} is not a sandbox mode"),
    };

    /// <summary>
    /// The kubelet sends its pod cgroup in the cgroupfs driver's syntax ("/kubepods/burstable/pod&lt;uid&gt;"),
    /// already under its cgroup root; it is used as it is. Without one the sandbox gets its own
    /// cgroup under the agent's root, which Berth then owns and removes.
    /// </summary>
    private static (string Parent, bool Owned) CgroupParent(string requested, string uid, string cgroupRoot, List<string> problems)
    {
        if (requested.Length == 0)
        {
            if (uid.Length > 0 && !uid.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                problems.Add($"config.metadata.uid \"{uid}\" cannot name a cgroup: give config.linux.cgroup_parent");
            }

            return (CgroupPaths.Child(CgroupPaths.Child(cgroupRoot, DefaultParent), "pod" + uid), true);
        }

        if (requested.EndsWith(".slice", StringComparison.Ordinal) && !requested.StartsWith('/'))
        {
            problems.Add($"config.linux.cgroup_parent \"{requested}\" is in systemd syntax; Berth's cgroup driver is cgroupfs (a path such as /kubepods/pod<uid>)");
        }
        else if (!requested.StartsWith('/') || requested == "/" || requested.Contains('\0', StringComparison.Ordinal)
            || requested[1..].TrimEnd('/').Split('/').Any(c => c is "" or "." or ".."))
        {
            problems.Add($"config.linux.cgroup_parent \"{requested}\" must be an absolute cgroupfs path below the root, without '.' or '..'");
        }

        return (requested.TrimEnd('/'), false);
    }

    /// <summary>runc refuses sysctls outside the namespaces a pod owns, after creating half a
    /// sandbox: say so up front instead.</summary>
    private static string? SysctlProblem(string name, NamespaceMode network, NamespaceMode ipc)
    {
        if (name.StartsWith("net.", StringComparison.Ordinal))
        {
            return network == NamespaceMode.Node ? "net.* sysctls cannot be set with the node's network namespace" : null;
        }

        if (IpcSysctls.Contains(name) || IpcSysctlPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
        {
            return ipc == NamespaceMode.Node ? "IPC sysctls cannot be set with the node's IPC namespace" : null;
        }

        if (UtsSysctls.Contains(name))
        {
            return network == NamespaceMode.Node ? "UTS sysctls cannot be set with the node's UTS namespace" : null;
        }

        return "not a namespaced sysctl: it would change the whole node";
    }

    private static NamespaceMode Invalid(List<string> problems, string problem)
    {
        problems.Add(problem);
        return NamespaceMode.Pod;
    }
}
