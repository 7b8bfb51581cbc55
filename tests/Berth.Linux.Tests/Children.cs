using System.Diagnostics;

namespace Berth.Linux.Tests;

/// <summary>Child processes for tests, killed with their descendants when disposed.</summary>
internal sealed class Children : IDisposable
{
    private readonly List<Process> started = [];

    public Process Start(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        started.Add(process);
        return process;
    }

    public static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.WaitForExit();
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails after a few seconds.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting until {what}");
            }

            await Task.Delay(10);
        }
    }

    public void Dispose()
    {
        foreach (var process in started)
        {
            Stop(process);
            process.Dispose();
        }
    }
}
