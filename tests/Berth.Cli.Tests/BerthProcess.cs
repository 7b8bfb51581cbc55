namespace Berth.Cli.Tests;

/// <summary>The real <c>berth</c> CLI (through Berth.Testing's <see cref="Berth.Testing.BerthCli"/>), and manifests to give it.</summary>
internal static class BerthProcess
{
    public static Task<CliResult> RunAsync(params string[] args) => Berth.Testing.BerthCli.RunAsync(args, TimeSpan.FromSeconds(60));

    /// <summary>A manifest file in a directory of its own, deleted with the returned handle.</summary>
    public static TempFile Manifest(string yaml) => new(yaml);

    public sealed class TempFile : IDisposable
    {
        private readonly TempDirectory dir = new("berth-cli-test-");

        public TempFile(string text)
        {
            File.WriteAllText(Path, text);
        }

        public string Path => dir["pod.yaml"];

        public void Dispose() => dir.Dispose();
    }
}
