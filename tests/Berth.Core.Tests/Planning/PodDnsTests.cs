using Berth.Core.Planning;

namespace Berth.Core.Tests.Planning;

/// <summary>The kubelet's resolver choice for a node without a cluster DNS.</summary>
public class PodDnsTests
{
    private static readonly ResolverSettings Node = ResolverSettings.Parse("""
        # written by the node
        domain old.example
        search corp.example lab.example
        nameserver 192.0.2.1
        nameserver 192.0.2.2 ; second
        options ndots:2 rotate
        """);

    private static ResolverSettings? For(string spec) => PodDns.For(Pods.Read($"""
        apiVersion: v1
        kind: Pod
        metadata: {"{"} name: p {"}"}
        spec:
        {spec}
          containers: [{"{"} name: a, image: busybox {"}"}]
        """).Pod.Spec, () => Node);

    [Fact]
    public void Parses_resolv_conf_as_the_resolver_does()
    {
        Assert.Equal(["192.0.2.1", "192.0.2.2"], Node.Servers);
        Assert.Equal(["corp.example", "lab.example"], Node.Searches); // the last search/domain line wins
        Assert.Equal(["ndots:2", "rotate"], Node.Options);
    }

    [Theory]
    [InlineData("  dnsPolicy: ClusterFirst")]
    [InlineData("  dnsPolicy: Default")]
    [InlineData("  dnsPolicy: ClusterFirstWithHostNet\n  hostNetwork: true")]
    [InlineData("  hostname: h")]
    public void Without_dnsConfig_the_node_file_is_used_as_it_is(string spec) => Assert.Null(For(spec));

    [Fact]
    public void None_is_dnsConfig_alone()
    {
        var dns = For("  dnsPolicy: None\n  dnsConfig: { nameservers: [10.0.0.10], searches: [svc.example], options: [{ name: ndots, value: \"5\" }, { name: edns0 }] }");
        Assert.Equal(["10.0.0.10"], dns!.Servers);
        Assert.Equal(["svc.example"], dns.Searches);
        Assert.Equal(["ndots:5", "edns0"], dns.Options);
    }

    [Theory]
    [InlineData("ClusterFirst")]
    [InlineData("Default")]
    public void DnsConfig_is_appended_to_the_node_resolver_without_duplicates(string policy)
    {
        var dns = For($"  dnsPolicy: {policy}\n  dnsConfig: {{ nameservers: [192.0.2.2, 10.0.0.10], searches: [lab.example, svc.example], options: [{{ name: ndots, value: \"5\" }}, {{ name: edns0 }}] }}")!;
        Assert.Equal(["192.0.2.1", "192.0.2.2", "10.0.0.10"], dns.Servers);
        Assert.Equal(["corp.example", "lab.example", "svc.example"], dns.Searches);
        Assert.Equal(["ndots:5", "rotate", "edns0"], dns.Options); // dnsConfig's ndots wins, in the node's place
    }
}
