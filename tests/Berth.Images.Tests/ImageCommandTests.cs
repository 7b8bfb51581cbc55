namespace Berth.Images.Tests;

public sealed class ImageCommandTests
{
    private static readonly ImageConfig Image = ImageConfig.Empty with { Entrypoint = ["/entry", "-x"], Cmd = ["serve", "--port=80"] };

    public static TheoryData<string[], string[], string[], string[], string[]> Rules => new()
    {
        // entrypoint, cmd, command, args → argv (the table of the Kubernetes docs on command and args)
        { ["/entry", "-x"], ["serve", "--port=80"], [], [], ["/entry", "-x", "serve", "--port=80"] },
        { ["/entry", "-x"], ["serve", "--port=80"], ["/bin/sh", "-c"], [], ["/bin/sh", "-c"] },
        { ["/entry", "-x"], ["serve", "--port=80"], [], ["debug"], ["/entry", "-x", "debug"] },
        { ["/entry", "-x"], ["serve", "--port=80"], ["/bin/sh"], ["-c", "true"], ["/bin/sh", "-c", "true"] },
        { [], ["sh"], [], [], ["sh"] },
        { [], ["sh"], [], ["echo", "hi"], ["echo", "hi"] },
        { [], [], [], [], [] },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Command_and_args_merge_with_entrypoint_and_cmd_by_the_kubernetes_rules(string[] entrypoint, string[] cmd, string[] command, string[] args, string[] expected)
    {
        var config = Image with { Entrypoint = entrypoint, Cmd = cmd };

        Assert.Equal(expected, ImageCommand.Resolve(config, command, args));
    }

    [Theory]
    [InlineData("busybox", null, ImagePullPolicy.Always)]
    [InlineData("busybox:latest", null, ImagePullPolicy.Always)]
    [InlineData("busybox:1.36", null, ImagePullPolicy.IfNotPresent)]
    [InlineData("busybox@sha256:9ae97d36d26566ff84e8893c64a6dc4fe8ca6d1144bf5b87b2b85a32def253c7", null, ImagePullPolicy.IfNotPresent)]
    [InlineData("busybox:1.36", "Always", ImagePullPolicy.Always)]
    [InlineData("busybox", "Never", ImagePullPolicy.Never)]
    [InlineData("busybox", "", ImagePullPolicy.Always)]
    public void Pull_policy_defaults_like_the_api_server(string image, string? policy, ImagePullPolicy expected) =>
        Assert.Equal(expected, ImagePullPolicies.Parse(policy, ImageReference.Parse(image)));

    [Theory]
    [InlineData(ImagePullPolicy.Always, true, PullDecision.Pull)]
    [InlineData(ImagePullPolicy.Always, false, PullDecision.Pull)]
    [InlineData(ImagePullPolicy.IfNotPresent, true, PullDecision.UseLocal)]
    [InlineData(ImagePullPolicy.IfNotPresent, false, PullDecision.Pull)]
    [InlineData(ImagePullPolicy.Never, true, PullDecision.UseLocal)]
    [InlineData(ImagePullPolicy.Never, false, PullDecision.FailNotPresent)]
    public void Pull_policy_decides_whether_to_pull(ImagePullPolicy policy, bool present, PullDecision expected) =>
        Assert.Equal(expected, ImagePullPolicies.Decide(policy, present));

    [Fact]
    public void An_unknown_pull_policy_is_refused() =>
        Assert.Contains("\"Sometimes\"", Assert.Throws<FormatException>(() => ImagePullPolicies.Parse("Sometimes", ImageReference.Parse("busybox"))).Message, StringComparison.Ordinal);
}

public sealed class ImageUserTests : IDisposable
{
    private const string Passwd = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:App:/home/app:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n";
    private const string Group = "root:x:0:\napp:x:1001:\nstaff:x:50:app,other\nwheel:x:10:app\nnogroup:x:65534:\n";

    private readonly TempDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Theory]
    [InlineData("", 0u, 0u, "")]
    [InlineData("root", 0u, 0u, "")]
    [InlineData("app", 1000u, 1001u, "50,10")]
    [InlineData("1000", 1000u, 1001u, "50,10")]
    [InlineData("4242", 4242u, 0u, "")]
    [InlineData("4242:77", 4242u, 77u, "")]
    [InlineData("app:staff", 1000u, 50u, "10")]
    [InlineData("app:7", 1000u, 7u, "50,10")]
    [InlineData("1000:nogroup", 1000u, 65534u, "50,10")]
    public void Users_resolve_through_the_images_passwd_and_group(string user, uint uid, uint gid, string additional)
    {
        var rootfs = Rootfs("rootfs", Passwd, Group);

        var resolved = ImageUser.Resolve(user, rootfs);

        Assert.Equal(uid, resolved.Uid);
        Assert.Equal(gid, resolved.Gid);
        Assert.Equal(additional, string.Join(',', resolved.AdditionalGids));
    }

    [Theory]
    [InlineData("ghost", typeof(KeyNotFoundException), "unable to find user ghost")]
    [InlineData("app:ghosts", typeof(KeyNotFoundException), "unable to find group ghosts")]
    [InlineData("app:", typeof(FormatException), "invalid user")]
    [InlineData("99999999999", typeof(FormatException), "out of range")]
    public void Unknown_names_and_malformed_users_are_refused(string user, Type error, string message)
    {
        var rootfs = Rootfs("rootfs", Passwd, Group);

        var thrown = Assert.Throws(error, () => ImageUser.Resolve(user, rootfs));

        Assert.Contains(message, thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Layers_are_searched_top_first_as_overlay_would_show_them()
    {
        var lower = Rootfs("lower", Passwd, Group);
        var upper = Rootfs("upper", "root:x:0:0::/:/bin/sh\napp:x:2000:2000::/:/bin/sh\n", null);

        Assert.Equal(2000u, ImageUser.Resolve("app", $"{upper}:{lower}").Uid);
        Assert.Equal(1000u, ImageUser.Resolve("app", $"{lower}:{upper}").Uid);

        // /etc/group comes from the lower layer: the upper one has none.
        Assert.Equal([50u, 10u], ImageUser.Resolve("app", $"{upper}:{lower}").AdditionalGids);
    }

    [Fact]
    public async Task A_whiteout_in_an_upper_layer_hides_the_lower_passwd()
    {
        Host.RequireRoot();
        var lower = Rootfs("lower", Passwd, Group);
        var upper = _scratch["upper"];
        Directory.CreateDirectory(Path.Combine(upper, "etc"));
        await Host.RunAsync("mknod", Path.Combine(upper, "etc/passwd"), "c", "0", "0");

        Assert.Throws<KeyNotFoundException>(() => ImageUser.Resolve("app", $"{upper}:{lower}"));
        Assert.Equal(4242u, ImageUser.Resolve("4242", $"{upper}:{lower}").Uid);
    }

    private string Rootfs(string name, string passwd, string? group)
    {
        var etc = _scratch[$"{name}/etc"];
        Directory.CreateDirectory(etc);
        File.WriteAllText(Path.Combine(etc, "passwd"), passwd);
        if (group is not null)
        {
            File.WriteAllText(Path.Combine(etc, "group"), group);
        }

        return _scratch[name];
    }
}
