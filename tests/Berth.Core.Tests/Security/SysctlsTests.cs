using Berth.Core.Security;

namespace Berth.Core.Tests.Security;

public class SysctlsTests
{
    [Theory]
    [InlineData("3.10", false, false)]
    [InlineData("3.16", true, false)]
    [InlineData("4.15", true, true)]
    [InlineData("6.18", true, true)]
    public void Kernel_gated_entries_join_the_safe_set_from_their_kernel(string kernel, bool reservedPorts, bool tcpMemory)
    {
        var safe = Sysctls.SafeSet(Version.Parse(kernel));
        Assert.Contains("net.ipv4.ip_local_port_range", safe);
        Assert.Contains("net.ipv4.tcp_keepalive_time", safe);
        Assert.Equal(reservedPorts, safe.Contains("net.ipv4.ip_local_reserved_ports"));
        Assert.Equal(tcpMemory, safe.Contains("net.ipv4.tcp_rmem"));
        Assert.Equal(tcpMemory, safe.Contains("net.ipv4.tcp_wmem"));
    }

    [Fact]
    public void An_unknown_kernel_gets_only_the_always_safe_set() =>
        Assert.DoesNotContain("net.ipv4.tcp_rmem", Sysctls.SafeSet(null));

    [Theory]
    [InlineData("kernel.shm_rmid_forced", SysctlNamespace.Ipc)]
    [InlineData("kernel.msgmax", SysctlNamespace.Ipc)]
    [InlineData("kernel.sem", SysctlNamespace.Ipc)]
    [InlineData("fs.mqueue.msg_max", SysctlNamespace.Ipc)]
    [InlineData("net.core.somaxconn", SysctlNamespace.Net)]
    [InlineData("net/ipv4/ip_forward", SysctlNamespace.Net)]
    [InlineData("kernel.panic", SysctlNamespace.Unknown)]
    [InlineData("vm.swappiness", SysctlNamespace.Unknown)]
    [InlineData("kernel.semx", SysctlNamespace.Unknown)]
    public void Namespaces_follow_the_kubelets_table(string name, SysctlNamespace expected) =>
        Assert.Equal(expected, Sysctls.NamespaceOf(name));

    [Theory]
    [InlineData("net.ipv4.ip_forward", "net.ipv4.ip_forward")]
    [InlineData("net/ipv4/ip_forward", "net.ipv4.ip_forward")]
    [InlineData("net/ipv4/conf/eth0.100/forwarding", "net.ipv4.conf.eth0/100.forwarding")]
    public void Slash_names_normalize_to_dots(string name, string expected) =>
        Assert.Equal(expected, Sysctls.Normalize(name));

    [Theory]
    [InlineData("net.ipv4.ip_local_port_range", "", false, false, null)]
    [InlineData("net.core.somaxconn", "", false, false, "forbidden sysctl: \"net.core.somaxconn\" not allowlisted")]
    [InlineData("net.core.somaxconn", "net.core.*", false, false, null)]
    [InlineData("net.core.somaxconn", "net.core.somaxconn", false, false, null)]
    [InlineData("net.core.somaxconn", "net.ipv4.*", false, false, "forbidden sysctl: \"net.core.somaxconn\" not allowlisted")]
    [InlineData("net.ipv4.ip_local_port_range", "", true, false, "forbidden sysctl: \"net.ipv4.ip_local_port_range\" not allowed with host net enabled")]
    [InlineData("kernel.shm_rmid_forced", "", false, true, "forbidden sysctl: \"kernel.shm_rmid_forced\" not allowed with host ipc enabled")]
    [InlineData("kernel.shm_rmid_forced", "", true, false, null)]
    [InlineData("kernel.msgmax", "kernel.msg*", false, false, null)]
    public void Node_refuses_unsafe_and_host_namespace_sysctls(string name, string allowed, bool hostNetwork, bool hostIpc, string? expected)
    {
        string[] patterns = allowed.Length == 0 ? [] : [allowed];
        Assert.Equal(expected, Sysctls.NodeRefusal(name, Sysctls.SafeSet(new Version(6, 18)), patterns, hostNetwork, hostIpc));
    }

    [Theory]
    [InlineData("net.core.*", true)]
    [InlineData("kernel.shm*", true)]
    [InlineData("kernel.msgmax", true)]
    [InlineData("fs.mqueue.*", true)]
    [InlineData("kernel.*", false)]
    [InlineData("vm.swappiness", false)]
    [InlineData("net.*.foo", false)]
    public void Allowed_unsafe_patterns_must_be_namespaced(string pattern, bool ok) =>
        Assert.Equal(ok, Sysctls.PatternProblem(pattern) is null);
}
