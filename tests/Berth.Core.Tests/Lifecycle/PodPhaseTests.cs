using Berth.Core.Lifecycle;
using static Berth.Core.Lifecycle.ContainerRunState;

namespace Berth.Core.Tests.Lifecycle;

public class PodPhaseTests
{
    private static ContainerFacts App(ContainerRunState state, int? exit = null, bool done = false) => new(false, false, done, state, exit);

    private static ContainerFacts Init(ContainerRunState state, int? exit = null, bool done = false) => new(true, false, done, state, exit);

    private static ContainerFacts Sidecar(ContainerRunState state) => new(true, true, false, state, null);

    public static TheoryData<string, RestartPolicy, bool, ContainerFacts[], string> Cases => new()
    {
        { "no instance yet", RestartPolicy.Always, false, [App(Waiting)], PodPhase.Pending },
        { "created, not started", RestartPolicy.Always, false, [App(Created)], PodPhase.Pending },
        { "running", RestartPolicy.Always, false, [App(Running)], PodPhase.Running },
        { "init still running", RestartPolicy.Always, false, [Init(Running), App(Waiting)], PodPhase.Pending },
        { "init done, app runs", RestartPolicy.Always, false, [Init(Exited, 0, done: true), App(Running)], PodPhase.Running },
        { "a sidecar does not hold the pod pending", RestartPolicy.Always, false, [Sidecar(Running), App(Running)], PodPhase.Running },
        { "failed init under Never", RestartPolicy.Never, false, [Init(Exited, 1, done: true), App(Waiting)], PodPhase.Failed },
        { "failed init under OnFailure retries", RestartPolicy.OnFailure, false, [Init(Exited, 1), App(Waiting)], PodPhase.Pending },
        { "one runs, one exited 0", RestartPolicy.Never, false, [App(Running), App(Exited, 0, done: true)], PodPhase.Running },
        { "crashed, Always restarts", RestartPolicy.Always, false, [App(Exited, 1)], PodPhase.Running },
        { "backing off (waiting with an exit)", RestartPolicy.Always, false, [App(Waiting, 1)], PodPhase.Running },
        { "crashed, OnFailure restarts", RestartPolicy.OnFailure, false, [App(Exited, 2)], PodPhase.Running },
        { "exited 0, OnFailure keeps it down", RestartPolicy.OnFailure, false, [App(Exited, 0, done: true)], PodPhase.Succeeded },
        { "exited 1, Never", RestartPolicy.Never, false, [App(Exited, 1, done: true)], PodPhase.Failed },
        { "all exited 0, Never", RestartPolicy.Never, false, [App(Exited, 0, done: true), App(Exited, 0, done: true)], PodPhase.Succeeded },
        { "one failed, Never", RestartPolicy.Never, false, [App(Exited, 0, done: true), App(Exited, 3, done: true)], PodPhase.Failed },
        { "finished, all 0", RestartPolicy.Always, true, [App(Exited, 0, done: true)], PodPhase.Succeeded },
        { "finished with a failure", RestartPolicy.Always, true, [App(Exited, 137, done: true)], PodPhase.Failed },
        { "finished after a failed init", RestartPolicy.Never, true, [Init(Exited, 1, done: true), App(Waiting, done: true)], PodPhase.Failed },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Phase(string why, RestartPolicy policy, bool finished, ContainerFacts[] containers, string phase) =>
        Assert.True(phase == PodPhase.Of(finished, policy, containers), why);
}
