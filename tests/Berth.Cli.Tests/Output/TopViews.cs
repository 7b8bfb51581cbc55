using Berth.Node.Stats;

namespace Berth.Cli.Tests.Output;

/// <summary>A crafted top snapshot: three pods whose every column orders them differently.</summary>
internal static class TopViews
{
    public static readonly DateTimeOffset At = new(2026, 2, 3, 4, 5, 6, TimeSpan.Zero);

    private static TopContainer Container(string name, double? cpu, ulong? memory, int restarts) =>
        new(name, name + "-id", cpu, memory, memory / 2, new TopPsi(cpu * 10, 1, 0.5, 2), restarts);

    /// <summary>
    /// cpu: busy 1.0 &gt; calm 0.5 &gt; fresh (none yet); memory: calm &gt; busy &gt; fresh;
    /// psi cpu: busy 10 &gt; calm 5; psi memory: fresh 9 &gt; calm 3 &gt; busy 1; psi io: calm &gt; busy;
    /// restarts: fresh 4 &gt; calm 1 &gt; busy 0.
    /// </summary>
    public static TopView Three() => new(
        At,
        new TopNode(
            "node-a",
            1.25,
            3UL << 30,
            8UL << 30,
            new TopPsi(12.5, 0.75, 0.25, 3),
            [
                new TopCondition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                new TopCondition("DiskPressure", "True", "KubeletHasDiskPressure", "kubelet has disk pressure"),
                new TopCondition("Ready", "True", "KubeletReady", "berth is posting ready status"),
            ]),
        [
            new TopPod("shop", "calm", "uid-calm", "Running", "Burstable", 0.5, 400UL << 20, 300UL << 20, new TopPsi(5, 3, 1, 7), 1,
                [Container("small", 0.1, 10UL << 20, 0), Container("large", 0.4, 390UL << 20, 1)]),
            new TopPod("ops", "busy", "uid-busy", "Running", "Guaranteed", 1.0, 200UL << 20, 150UL << 20, new TopPsi(10, 1, 0, 2), 0,
                [Container("loop", 1.0, 200UL << 20, 0)]),
            new TopPod("shop", "fresh", "uid-fresh", "Pending", "BestEffort", null, null, null, new TopPsi(0, 9, 0, 0), 4,
                [Container("app", null, null, 4)]),
        ]);
}
