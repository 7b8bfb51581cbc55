using System.Text;
using Berth.Oci.Spec;
using Berth.Runtime.Model;

namespace Berth.Runtime;

/// <summary>
/// The files the runtime gives every container of a sandbox: /etc/hostname, /etc/hosts and
/// /etc/resolv.conf, kept with the sandbox (like the kubelet's etc-hosts) and bind-mounted.
/// </summary>
public static class PodFiles
{
    /// <param name="dns">The pod's resolver settings; null copies the node's resolv.conf.</param>
    /// <param name="aliases">The pod's hostAliases, appended to /etc/hosts as the kubelet appends them.</param>
    public static void Write(string directory, string? hostname, SandboxDns? dns = null, IReadOnlyList<HostAlias>? aliases = null)
    {
        Directory.CreateDirectory(directory);
        if (hostname is not null)
        {
            File.WriteAllText(Path.Combine(directory, "hostname"), hostname + "\n");
            File.WriteAllText(Path.Combine(directory, "hosts"),
                $"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t{hostname}\n" + AliasLines(aliases));
        }
        else if (aliases is { Count: > 0 })
        {
            // Host network: the node's hosts file plus the aliases, as the kubelet writes it.
            var node = File.Exists("/etc/hosts") ? File.ReadAllText("/etc/hosts") : "";
            File.WriteAllText(Path.Combine(directory, "hosts"), node + (node.EndsWith('\n') || node.Length == 0 ? "" : "\n") + AliasLines(aliases));
        }

        var resolv = "/etc/resolv.conf";
        File.WriteAllText(Path.Combine(directory, "resolv.conf"), dns is not null ? ResolvConf(dns) : File.Exists(resolv) ? File.ReadAllText(resolv) : "");
    }

    /// <summary>resolv.conf(5) lines for the settings given; an empty part writes no line.</summary>
    public static string ResolvConf(SandboxDns dns)
    {
        var text = new StringBuilder();
        if (dns.Searches.Count > 0)
        {
            text.Append("search ").AppendJoin(' ', dns.Searches).Append('\n');
        }

        foreach (var server in dns.Servers)
        {
            text.Append("nameserver ").Append(server).Append('\n');
        }

        if (dns.Options.Count > 0)
        {
            text.Append("options ").AppendJoin(' ', dns.Options).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The kubelet's hostAliases section (pkg/kubelet/kubelet_pods.go hostsEntriesFromHostAliases).</summary>
    public static string AliasLines(IReadOnlyList<HostAlias>? aliases)
    {
        if (aliases is not { Count: > 0 })
        {
            return "";
        }

        var text = new StringBuilder("\n# Entries added by HostAliases.\n");
        foreach (var alias in aliases)
        {
            text.Append(alias.Ip).Append('\t').AppendJoin('\t', alias.Hostnames).Append('\n');
        }

        return text.ToString();
    }

    public static IReadOnlyList<MountSpec> Mounts(string directory) =>
    [
        .. new[] { "hostname", "hosts", "resolv.conf" }
            .Where(name => File.Exists(Path.Combine(directory, name)))
            .Select(name => new MountSpec("/etc/" + name, "bind", Path.Combine(directory, name), ["rbind", "rprivate", "rw"])),
    ];
}
