using Berth.Linux;

namespace Berth.Images.Tests;

/// <summary>The real host for tests: its tools, and whether it lets us act as root.</summary>
internal static class Host
{
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static void RequireRoot()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Assert.Fail("this test needs root (chown, chroot); run it with sudo");
        }
    }

    /// <summary>
    /// Fails, never skips, when a tool is missing: CI must not pass by running nothing.
    /// scripts/lib.sh installs them (BERTH_PACKAGES).
    /// </summary>
    public static string RequireTool(string path, string package)
    {
        if (!File.Exists(path))
        {
            Assert.Fail($"this test needs {path}: apt-get install {package} (scripts/test installs it)");
        }

        return path;
    }

    public static async Task<string> RunAsync(string file, params string[] args) =>
        (await CommandRunner.RunAsync(file, args, CancellationToken.None, timeout: TimeSpan.FromSeconds(60))).Stdout;

    /// <summary>lstat as stat(1) prints it, e.g. "%u:%g", "%i", "%F".</summary>
    public static async Task<string> StatAsync(string format, string path) => (await RunAsync("stat", "-c", format, path)).TrimEnd('\n');

    /// <summary>The checkout this test binary was built from.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Berth.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Berth.slnx above {AppContext.BaseDirectory}");
    }
}

/// <summary>A directory of the test's own under /tmp, deleted with everything in it.</summary>
internal sealed class Scratch : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("berth-images-test-").FullName;

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
