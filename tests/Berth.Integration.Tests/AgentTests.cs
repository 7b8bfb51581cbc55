using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

[Collection("node")]
public class AgentTests(TestNode node)
{
    [Fact]
    public async Task Second_agent_on_the_same_root_refuses_to_start()
    {
        var second = await Shell.RunAsync(["serve", "--root", node.Agent.Root, "--run-root", node.Agent.RunRoot + "-2", "--socket", node.Agent.Socket + "-2", "--cgroup-root", node.Agent.CgroupRoot], TimeSpan.FromSeconds(30));
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("another berth agent is running", second.Stderr);
        Assert.Equal(0, (await node.Agent.BerthAsync("ps")).ExitCode); // the first one is unharmed
    }

    [Fact]
    public async Task Cli_without_an_agent_says_so_and_exits_1()
    {
        var result = await Shell.RunAsync(["--socket", "/nonexistent/berth.sock", "ps"]);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no berth agent is listening on /nonexistent/berth.sock", result.Stderr);
        Environment.SetEnvironmentVariable("BERTH_SOCKET", null);
    }

    [Fact]
    public void Socket_is_root_only_with_group_access()
    {
        var mode = File.GetUnixFileMode(node.Agent.Socket);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, mode);
    }

    [Fact]
    public async Task Pods_keep_running_across_an_agent_stop_and_restart()
    {
        await using var agent = await Agent.StartAsync("restart");
        await TestNode.ImportBusyboxAsync(agent);
        await using var pod = await agent.PlayAsync("survivor", """
            apiVersion: v1
            kind: Pod
            metadata: { name: survivor }
            spec:
              containers: [{ name: a, image: busybox, command: ["sleep", "3600"] }]
            """);
        var pid = await pod.PidAsync("a");
        await agent.StopProcessAsync(); // SIGTERM: graceful, pods stay
        Assert.True(Kernel.IsAlive(pid));
        await agent.StartProcessAsync();
        Assert.Equal(pid, await pod.PidAsync("a"));
        Assert.Equal("Running", (string?)(await pod.InspectAsync())["phase"]);
        Assert.Equal("still here\n", await pod.ShAsync("a", "echo still here"));

        await agent.StopProcessAsync(kill: true); // SIGKILL: the same
        Assert.True(Kernel.IsAlive(pid));
        await agent.StartProcessAsync();
        Assert.Equal("Running", (string?)(await pod.InspectAsync())["phase"]);
    }
}
