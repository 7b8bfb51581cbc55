namespace Berth.Integration.Tests.Harness;

/// <summary>The berth CLI and host tools, as the integration tests call them (Berth.Testing runs both).</summary>
public static class Shell
{
    public static string BerthDll => BerthCli.Dll;

    /// <inheritdoc cref="BerthCli.RunAsync"/>
    public static Task<CliResult> RunAsync(IEnumerable<string> args, TimeSpan? timeout = null, string? stdin = null) => BerthCli.RunAsync(args, timeout, stdin);

    /// <summary>Runs a host command and returns its stdout; fails the test on a non-zero exit.</summary>
    public static Task<string> HostAsync(string program, params string[] args) => Host.RunAsync(program, args);
}
