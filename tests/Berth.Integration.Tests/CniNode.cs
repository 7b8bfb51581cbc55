using System.Diagnostics;
using System.Globalization;
using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>
/// A CRI node with pod networking: its own CNI configuration (a bridge with a name and /24 of
/// its own, host-local addresses kept in its directory, portmap) and the plugins of Debian's
/// containernetworking-plugins. Disposing removes the bridge, the portmap chains if they were
/// not there before, and puts net.ipv4.ip_forward back (the bridge plugin turns it on).
/// </summary>
public sealed class CniNode : CriNode
{
    public const string PluginDir = "/usr/lib/cni";

    private const string ForwardSysctl = "/proc/sys/net/ipv4/ip_forward";
    private static readonly string[] HostportChains = ["CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-SETMARK", "CNI-HOSTPORT-MASQ"];

    private string? forwardBefore;
    private bool hostportChainsBefore;

    public CniNode()
    {
        Dir = Directory.CreateTempSubdirectory("berth-it-cni-").FullName;
        var tag = Random.Shared.Next(0x100000, 0xFFFFFF).ToString("x6", CultureInfo.InvariantCulture);
        Bridge = $"berth{tag}";
        NetworkName = $"berth-it-{tag}";
        SubnetPrefix = $"10.209.{Random.Shared.Next(1, 255).ToString(CultureInfo.InvariantCulture)}.";
    }

    public string Dir { get; }

    public string ConfDir => Path.Combine(Dir, "net.d");

    /// <summary>A second plugin directory, for plugins a test writes itself.</summary>
    public string ExtraBinDir => Path.Combine(Dir, "bin");

    public string IpamDir => Path.Combine(Dir, "ipam");

    public string Bridge { get; }

    public string NetworkName { get; }

    /// <summary>"10.209.N." of this node's /24.</summary>
    public string SubnetPrefix { get; }

    public string ConfFile => Path.Combine(ConfDir, "10-berth-it.conflist");

    protected override string[] AgentArgs => ["--cni-conf-dir", ConfDir, "--cni-bin-dir", PluginDir, "--cni-bin-dir", ExtraBinDir];

    public string ConfList(params string[] extraPlugins) => $$$"""
        {"cniVersion": "1.0.0", "name": "{{{NetworkName}}}", "plugins": [
          {"type": "bridge", "bridge": "{{{Bridge}}}", "isGateway": true, "ipMasq": false, "hairpinMode": true,
           "ipam": {"type": "host-local", "ranges": [[{"subnet": "{{{SubnetPrefix}}}0/24"}]], "dataDir": "{{{IpamDir}}}"}},
          {"type": "portmap", "capabilities": {"portMappings": true}}{{{string.Concat(extraPlugins.Select(p => ", " + p))}}}
        ]}
        """;

    /// <summary>Addresses host-local holds now: one file per address in its data directory.</summary>
    public IReadOnlyList<string> ReservedIps() =>
        Directory.Exists(Path.Combine(IpamDir, NetworkName))
            ? [.. Directory.EnumerateFiles(Path.Combine(IpamDir, NetworkName)).Select(Path.GetFileName).OfType<string>().Where(n => n.StartsWith(SubnetPrefix, StringComparison.Ordinal))]
            : [];

    /// <summary>Host interfaces enslaved to this node's bridge (the pods' veth ends).</summary>
    public IReadOnlyList<string> BridgePorts() =>
        Directory.Exists($"/sys/class/net/{Bridge}/brif") ? [.. Directory.EnumerateFileSystemEntries($"/sys/class/net/{Bridge}/brif").Select(Path.GetFileName).OfType<string>()] : [];

    public override async Task InitializeAsync()
    {
        Assert.True(File.Exists(Path.Combine(PluginDir, "bridge")) && File.Exists(Path.Combine(PluginDir, "portmap")), $"CNI plugins missing in {PluginDir}: scripts/test installs containernetworking-plugins");
        Assert.True(File.Exists("/usr/sbin/iptables"), "iptables is missing: scripts/test installs it");
        Directory.CreateDirectory(ConfDir);
        Directory.CreateDirectory(ExtraBinDir);
        await File.WriteAllTextAsync(ConfFile, ConfList());
        forwardBefore = File.ReadAllText(ForwardSysctl).Trim();
        hostportChainsBefore = await IptablesAsync("-t", "nat", "-S", HostportChains[0]) == 0;
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            if (Directory.Exists($"/sys/class/net/{Bridge}"))
            {
                await Shell.HostAsync("ip", "link", "del", Bridge);
            }

            if (forwardBefore is not null)
            {
                File.WriteAllText(ForwardSysctl, forwardBefore);
            }

            if (!hostportChainsBefore)
            {
                await IptablesAsync("-t", "nat", "-D", "PREROUTING", "-m", "addrtype", "--dst-type", "LOCAL", "-j", "CNI-HOSTPORT-DNAT");
                await IptablesAsync("-t", "nat", "-D", "OUTPUT", "-m", "addrtype", "--dst-type", "LOCAL", "-j", "CNI-HOSTPORT-DNAT");
                await IptablesAsync("-t", "nat", "-D", "POSTROUTING", "-m", "comment", "--comment", "CNI portfwd requiring masquerade", "-j", "CNI-HOSTPORT-MASQ");
                foreach (var chain in HostportChains)
                {
                    await IptablesAsync("-t", "nat", "-F", chain);
                    await IptablesAsync("-t", "nat", "-X", chain);
                }
            }

            Directory.Delete(Dir, recursive: true);
        }
    }

    /// <summary>The nat table's rules, as iptables -S prints them.</summary>
    public static async Task<string> NatRulesAsync() => await Shell.HostAsync("iptables", "-t", "nat", "-S");

    private static async Task<int> IptablesAsync(params string[] args)
    {
        var start = new ProcessStartInfo("iptables") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        await process.StandardOutput.ReadToEndAsync();
        await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}

[CollectionDefinition("cni")]
public sealed class CniCollection : ICollectionFixture<CniNode>;
