using Berth.Cri.V1;
using Grpc.Core;

namespace Berth.Integration.Tests;

/// <summary>CRI: the status's user carries the primary gid among the supplementary groups (as
/// critest's SupplementalGroupsPolicy specs expect); AppArmor and SELinux the host lacks.</summary>
[Collection("cri")]
public class CriConfinementTests(CriNode node)
{
    private static string Field(string status, string name) =>
        status.Split('\n').Single(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim();

    [Fact]
    public async Task The_status_user_lists_the_primary_group_first_and_Strict_keeps_only_the_requested_groups()
    {
        await using var pod = await node.RunPodAsync("user-groups");
        var id = await pod.StartSleeperAsync("app", c =>
        {
            var s = c.Linux.SecurityContext;
            s.RunAsUser = new Int64Value { Value = 1000 };
            s.RunAsGroup = new Int64Value { Value = 3000 };
            s.SupplementalGroups.Add(4000);
            s.SupplementalGroupsPolicy = SupplementalGroupsPolicy.Strict;
        });
        var user = (await node.StatusAsync(id)).User.Linux;
        Assert.Equal([3000L, 4000L], user.SupplementalGroups);
        var status = await File.ReadAllTextAsync($"/proc/{await node.PidAsync(id)}/status");
        Assert.Equal("3000 4000", Field(status, "Groups"));
    }

    [Fact]
    public async Task Localhost_apparmor_and_selinux_labels_are_refused_where_the_host_has_neither()
    {
        await using var pod = await node.RunPodAsync("confinement");
        var apparmor = await CriNode.FailsAsync(() => pod.StartSleeperAsync("apparmor", c =>
            c.Linux.SecurityContext.Apparmor = new SecurityProfile { ProfileType = SecurityProfile.Types.ProfileType.Localhost, LocalhostRef = "custom" }));
        Assert.Equal(StatusCode.InvalidArgument, apparmor.StatusCode);
        Assert.Contains("config.linux.security_context.apparmor", apparmor.Status.Detail, StringComparison.Ordinal);

        var selinux = await CriNode.FailsAsync(() => pod.StartSleeperAsync("selinux", c =>
            c.Linux.SecurityContext.SelinuxOptions = new SELinuxOption { Type = "spc_t" }));
        Assert.Equal(StatusCode.InvalidArgument, selinux.StatusCode);
        Assert.Contains("config.linux.security_context.selinux_options", selinux.Status.Detail, StringComparison.Ordinal);

        // RuntimeDefault on a host without AppArmor is no profile, as with containerd.
        var runtimeDefault = await pod.StartSleeperAsync("default", c =>
            c.Linux.SecurityContext.Apparmor = new SecurityProfile { ProfileType = SecurityProfile.Types.ProfileType.RuntimeDefault });
        Assert.Equal(ContainerState.ContainerRunning, (await node.StatusAsync(runtimeDefault)).State);
    }
}
