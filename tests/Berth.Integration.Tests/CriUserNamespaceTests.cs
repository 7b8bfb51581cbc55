using System.Text.Json.Nodes;
using Berth.Cri.V1;
using Berth.Integration.Tests.Harness;
using Grpc.Core;

namespace Berth.Integration.Tests;

/// <summary>CRI NamespaceOption.userns_options (KEP-127): the kubelet's mappings make the pod's user namespace.</summary>
[Collection("cri")]
public class CriUserNamespaceTests(CriNode node)
{
    private const uint HostBase = 3000 * 65536;

    private static UserNamespace Pod(uint hostId, uint length = 65536) => new()
    {
        Mode = NamespaceMode.Pod,
        Uids = { new IDMapping { ContainerId = 0, HostId = hostId, Length = length } },
        Gids = { new IDMapping { ContainerId = 0, HostId = hostId, Length = length } },
    };

    [Fact]
    public async Task The_runtime_handler_advertises_user_namespaces()
    {
        var status = await node.Runtime.StatusAsync(new StatusRequest());
        Assert.NotEmpty(status.RuntimeHandlers);
        Assert.All(status.RuntimeHandlers, h => Assert.True(h.Features.UserNamespaces, $"handler \"{h.Name}\""));
    }

    [Fact]
    public async Task A_sandbox_with_mode_POD_and_its_containers_get_the_kubelets_mappings()
    {
        // runc prepares the root file system as the pod's root: the state directories must be searchable.
        File.SetUnixFileMode(node.Agent.Dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        await using var pod = await node.RunPodAsync("userns-pod", c => c.Linux.SecurityContext.NamespaceOptions.UsernsOptions = Pod(HostBase));
        var id = await pod.StartSleeperAsync("c", c => c.Linux.SecurityContext.NamespaceOptions.UsernsOptions = Pod(HostBase));
        var pid = await node.PidAsync(id);
        var info = (await node.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.Id, Verbose = true })).Info["info"];
        var infraPid = (int)JsonNode.Parse(info)!["infraPid"]!;
        foreach (var p in new[] { infraPid, pid })
        {
            foreach (var map in new[] { "uid_map", "gid_map" })
            {
                Assert.Equal($"0 {HostBase} 65536", string.Join(' ', File.ReadAllText($"/proc/{p}/{map}").Split(' ', StringSplitOptions.RemoveEmptyEntries)).Trim());
            }
        }

        Assert.Equal(Kernel.NsInode(infraPid, "user"), Kernel.NsInode(pid, "user"));
        Assert.Equal("0 0", (await node.ShAsync(id, "id -u; stat -c %u /bin/busybox")).Trim().Replace('\n', ' '));
    }

    [Fact]
    public async Task Mappings_that_make_no_user_namespace_are_InvalidArgument()
    {
        foreach (var bad in new[]
        {
            new UserNamespace { Mode = NamespaceMode.Pod },
            Pod(HostBase, length: 0),
            new UserNamespace { Mode = NamespaceMode.Pod, Uids = { new IDMapping { ContainerId = 1, HostId = HostBase, Length = 10 } }, Gids = { new IDMapping { ContainerId = 1, HostId = HostBase, Length = 10 } } },
            new UserNamespace { Mode = NamespaceMode.Container },
        })
        {
            var e = await CriNode.FailsAsync(() => node.RunPodAsync("userns-bad", c => c.Linux.SecurityContext.NamespaceOptions.UsernsOptions = bad));
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.Contains("userns_options", e.Status.Detail);
        }

        // A container cannot leave its pod's user namespace for other mappings or the node's.
        await using var pod = await node.RunPodAsync("userns-other", c => c.Linux.SecurityContext.NamespaceOptions.UsernsOptions = Pod(HostBase + 65536));
        var other = await CriNode.FailsAsync(() => pod.StartSleeperAsync("c", c => c.Linux.SecurityContext.NamespaceOptions.UsernsOptions = Pod(HostBase + (2 * 65536))));
        Assert.Equal(StatusCode.InvalidArgument, other.StatusCode);
        var node2 = await CriNode.FailsAsync(() => pod.StartSleeperAsync("d", c => c.Linux.SecurityContext.NamespaceOptions.UsernsOptions = new UserNamespace { Mode = NamespaceMode.Node }));
        Assert.Equal(StatusCode.InvalidArgument, node2.StatusCode);
    }
}
