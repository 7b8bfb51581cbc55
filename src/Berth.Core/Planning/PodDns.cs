using k8s.Models;

namespace Berth.Core.Planning;

/// <summary>A resolv.conf's settings: nameservers, search domains, options ("ndots:5").</summary>
public sealed record ResolverSettings(IReadOnlyList<string> Servers, IReadOnlyList<string> Searches, IReadOnlyList<string> Options)
{
    /// <summary>resolv.conf(5): the last "search" (or "domain") line wins, "options" accumulate.</summary>
    public static ResolverSettings Parse(string text)
    {
        List<string> servers = [], searches = [], options = [];
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Split('#', ';')[0];
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2)
            {
                continue;
            }

            switch (fields[0])
            {
                case "nameserver":
                    servers.Add(fields[1]);
                    break;
                case "search" or "domain":
                    searches = [.. fields[1..]];
                    break;
                case "options":
                    options.AddRange(fields[1..]);
                    break;
            }
        }

        return new ResolverSettings(servers, searches, options);
    }
}

/// <summary>
/// The pod's resolver, as the kubelet decides it (pkg/kubelet/network/dns/dns.go GetPodDNS):
/// <c>None</c> is dnsConfig alone; <c>Default</c> is the node's resolv.conf; <c>ClusterFirst</c>
/// and <c>ClusterFirstWithHostNet</c> need a cluster DNS, and a node without one falls back to
/// Default, as the kubelet without <c>clusterDNS</c> does. dnsConfig is then appended: servers and
/// searches after the base ones without duplicates, options by name with dnsConfig's value winning.
/// </summary>
public static class PodDns
{
    /// <returns>Null when the node's resolv.conf is used as it is (no dnsConfig, not None).</returns>
    public static ResolverSettings? For(V1PodSpec spec, Func<ResolverSettings> node)
    {
        var config = spec.DnsConfig;
        if (spec.DnsPolicy != "None" && config is null)
        {
            return null;
        }

        var basis = spec.DnsPolicy == "None" ? new ResolverSettings([], [], []) : node();
        if (config is null)
        {
            return basis;
        }

        return new ResolverSettings(
            [.. basis.Servers.Concat(config.Nameservers ?? []).Distinct(StringComparer.Ordinal)],
            [.. basis.Searches.Concat(config.Searches ?? []).Distinct(StringComparer.Ordinal)],
            MergeOptions(basis.Options, config.Options ?? []));
    }

    private static IReadOnlyList<string> MergeOptions(IReadOnlyList<string> basis, IList<V1PodDNSConfigOption> extra)
    {
        var merged = new List<(string Name, string? Value)>();
        void Set(string name, string? value)
        {
            var at = merged.FindIndex(o => o.Name == name);
            if (at >= 0)
            {
                merged[at] = (name, value);
            }
            else
            {
                merged.Add((name, value));
            }
        }

        foreach (var option in basis)
        {
            var colon = option.IndexOf(':');
            Set(colon < 0 ? option : option[..colon], colon < 0 ? null : option[(colon + 1)..]);
        }

        foreach (var option in extra)
        {
            Set(option.Name, string.IsNullOrEmpty(option.Value) ? null : option.Value);
        }

        return [.. merged.Select(o => o.Value is null ? o.Name : $"{o.Name}:{o.Value}")];
    }
}
