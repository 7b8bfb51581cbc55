using Berth.Core.Planning;
using Berth.Images;
using Berth.Runtime.Containers;
using Berth.Runtime.Model;
using Berth.Runtime.Tests.Fakes;

namespace Berth.Runtime.Tests.Containers;

public sealed class ProcessSpecBuilderTests
{
    private static readonly ImageConfig Image = new(["/entry"], ["default-arg"], ["PATH=/image/bin", "LANG=C", "FROM_IMAGE=1"], "/srv", "", []);
    private static readonly IReadOnlyList<string> Bounding = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SYS_ADMIN", "CAP_NET_RAW", "CAP_SETUID"];
    private static readonly ResolvedUser ImageRoot = new(0, 0, [10, 20]);

    [Theory]
    [InlineData(new string[0], new string[0], "/entry default-arg")]
    [InlineData(new string[0], new[] { "mine" }, "/entry mine")]
    [InlineData(new[] { "/bin/cmd" }, new string[0], "/bin/cmd")]
    [InlineData(new[] { "/bin/cmd" }, new[] { "a", "b" }, "/bin/cmd a b")]
    public void Command_and_args_replace_the_images_entrypoint_and_cmd_as_Kubernetes_says(string[] command, string[] args, string argv)
    {
        var (process, _) = Build(Container() with { Command = command, Args = args });
        Assert.Equal(argv, string.Join(' ', process.Args));
    }

    [Fact]
    public void Nothing_to_run_is_the_requests_mistake()
    {
        var e = Assert.Throws<ArgumentException>(() => ProcessSpecBuilder.Build(Container(), Sandbox(), ImageConfig.Empty, Facts()));
        Assert.Contains("no command given", e.Message);
    }

    [Fact]
    public void The_containers_env_wins_over_the_images_and_hostname_comes_from_the_pod()
    {
        var (process, _) = Build(Container() with { Env = [KeyValuePair.Create("LANG", "de_DE"), KeyValuePair.Create("EXTRA", "x=y")] });

        Assert.Equal(["PATH=/image/bin", "FROM_IMAGE=1", "HOSTNAME=web-host", "LANG=de_DE", "EXTRA=x=y"], process.Env);
    }

    [Fact]
    public void A_host_network_pod_without_a_hostname_gets_the_nodes()
    {
        var (process, _) = ProcessSpecBuilder.Build(Container(), Sandbox() with { Hostname = null, Network = NamespaceMode.Node }, Image, Facts());
        Assert.Contains("HOSTNAME=node-1", process.Env);
    }

    [Theory]
    [InlineData(null, "/srv")]
    [InlineData("/data", "/data")]
    public void Working_directory_from_the_container_else_the_image(string? requested, string expected)
    {
        var (process, _) = Build(Container() with { WorkingDir = requested });
        Assert.Equal(expected, process.Cwd);
    }

    [Fact]
    public void Supplemental_groups_merge_with_the_images_groups_after_the_primary_group()
    {
        var (process, user) = Build(Container() with { Security = new ContainerSecurity { RunAsGroup = 3000, SupplementalGroups = [4000, 10] } });

        Assert.Equal(3000u, process.User.Gid);
        Assert.Equal([3000u, 4000u, 10u, 20u], user.AdditionalGids);
    }

    [Fact]
    public void Strict_supplemental_groups_leave_out_the_images_groups()
    {
        var (_, user) = Build(Container() with { Security = new ContainerSecurity { SupplementalGroups = [4000], StrictSupplementalGroups = true } });
        Assert.Equal([0u, 4000u], user.AdditionalGids);
    }

    [Fact]
    public void Added_and_dropped_capabilities_adjust_the_default_set()
    {
        var (process, _) = Build(Container() with { Security = new ContainerSecurity { AddCapabilities = ["SYS_ADMIN"], DropCapabilities = ["KILL"] } });

        Assert.Contains("CAP_SYS_ADMIN", process.Capabilities!.Bounding);
        Assert.DoesNotContain("CAP_KILL", process.Capabilities.Bounding);
        Assert.DoesNotContain("CAP_SYS_ADMIN", Build(Container()).Process.Capabilities!.Bounding); // not in the runtime default set
    }

    [Fact]
    public void A_privileged_container_gets_the_whole_bounding_set_and_may_gain_privileges()
    {
        var (process, _) = Build(Container() with { Security = new ContainerSecurity { Privileged = true, NoNewPrivileges = true } });

        Assert.Equal(Bounding, process.Capabilities!.Bounding);
        Assert.False(process.NoNewPrivileges);
    }

    [Fact]
    public void Ambient_capabilities_are_inheritable_too_or_the_kernel_drops_them()
    {
        var (process, _) = Build(Container() with { Security = new ContainerSecurity { AddAmbientCapabilities = ["NET_BIND_SERVICE"] } });

        Assert.Equal(["CAP_NET_BIND_SERVICE"], process.Capabilities!.Ambient);
        Assert.Equal(["CAP_NET_BIND_SERVICE"], process.Capabilities.Inheritable);
    }

    [Fact]
    public void Rlimits_and_oom_score_come_from_the_node_facts()
    {
        var (process, _) = Build(Container(), Facts() with { HardNofile = 500, OomScoreAdj = 999 });

        Assert.Equal(999, process.OomScoreAdj);
        Assert.Contains(process.Rlimits!, r => r.Type == "RLIMIT_NOFILE" && r.Hard == 500 && r.Soft == 500);
    }

    [Theory]
    [InlineData(null, "", true)]
    [InlineData(null, "0", true)]
    [InlineData(null, "1000", false)]
    [InlineData(0L, "1000", true)]
    [InlineData(1000L, "", false)]
    public void RunAsNonRoot_refuses_a_container_that_would_run_as_root(long? runAsUser, string imageUser, bool refused)
    {
        var config = Container() with { Security = new ContainerSecurity { RunAsNonRoot = true, RunAsUser = runAsUser } };
        var image = Image with { User = imageUser };

        var e = Record.Exception(() => ProcessSpecBuilder.UserToResolve(config, Sandbox(), image));

        Assert.Equal(refused, e is ContainerConfigException);
    }

    [Theory]
    [InlineData(null, null, "app-user", "app-user")]
    [InlineData(1500L, null, "app-user", "1500")]
    [InlineData(null, "named", "app-user", "named")]
    public void The_user_to_resolve_is_runAsUser_else_the_images(long? runAsUser, string? userName, string imageUser, string expected) =>
        Assert.Equal(expected, ProcessSpecBuilder.UserToResolve(Container() with { Security = new ContainerSecurity { RunAsUser = runAsUser, RunAsUsername = userName } }, Sandbox(), Image with { User = imageUser }));

    private static (Berth.Oci.Spec.ProcessSpec Process, ContainerUserIds User) Build(ContainerConfig config, ProcessFacts? facts = null) =>
        ProcessSpecBuilder.Build(config, Sandbox(), Image, facts ?? Facts());

    private static ProcessFacts Facts() => new(ImageRoot, Bounding, 20000, 0, "node-1");

    private static ContainerConfig Container() => FakeNode.Container();

    private static SandboxConfig Sandbox() => FakeNode.Sandbox();
}
