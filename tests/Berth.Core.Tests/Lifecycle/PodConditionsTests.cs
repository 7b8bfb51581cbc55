using Berth.Core.Lifecycle;
using static Berth.Core.Lifecycle.ContainerRunState;

namespace Berth.Core.Tests.Lifecycle;

public class PodConditionsTests
{
    public static TheoryData<string, ContainerFacts[], bool, string> Cases => new()
    {
        // expected: Initialized, ContainersReady, Ready (PodScheduled is always True)
        { "running, sandbox ready", [new(false, false, false, Running, null)], true, "True True True" },
        { "running, sandbox not ready", [new(false, false, false, Running, null)], false, "True True False" },
        { "app waiting", [new(false, false, false, Waiting, null)], true, "True False False" },
        { "app exited", [new(false, false, true, Exited, 0)], true, "True False False" },
        { "init running", [new(true, false, false, Running, null), new(false, false, false, Waiting, null)], true, "False False False" },
        { "init done", [new(true, false, true, Exited, 0), new(false, false, false, Running, null)], true, "True True True" },
        { "init failed", [new(true, false, true, Exited, 1), new(false, false, false, Waiting, null)], true, "False False False" },
        { "sidecar down blocks readiness, not initialization", [new(true, true, false, Waiting, null), new(false, false, false, Running, null)], true, "True False False" },
        { "sidecar and app run", [new(true, true, false, Running, null), new(false, false, false, Running, null)], true, "True True True" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Conditions(string why, ContainerFacts[] containers, bool sandboxReady, string expected)
    {
        var conditions = PodConditions.Of(containers, sandboxReady);
        Assert.Equal(["PodScheduled", "Initialized", "ContainersReady", "Ready"], conditions.Select(c => c.Type));
        Assert.Equal("True", conditions[0].Status);
        Assert.True(expected == string.Join(' ', conditions.Skip(1).Select(c => c.Status)), why);
    }
}
