namespace Berth.Linux.Tests;

public sealed class CommandRunnerTests : IDisposable
{
    private readonly TempDirectory temp = new();

    private static CancellationToken Ct => CancellationToken.None;

    [Fact]
    public async Task Captures_output_and_exit_code_when_not_checking()
    {
        var result = await CommandRunner.RunAsync("sh", ["-c", "echo out; echo err >&2; exit 3"], Ct, check: false);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("out\n", result.Stdout);
        Assert.Equal("err\n", result.Stderr);
    }

    [Fact]
    public async Task A_failure_names_the_command_its_exit_code_and_stderr()
    {
        var error = await Assert.ThrowsAsync<CommandException>(() => CommandRunner.RunAsync("sh", ["-c", "echo broken >&2; exit 4"], Ct));

        Assert.Equal("sh -c 'echo broken >&2; exit 4'", error.Outcome.Command);
        Assert.Equal(4, error.Outcome.ExitCode);
        Assert.Equal("sh -c 'echo broken >&2; exit 4' failed with exit code 4: broken", error.Message);
    }

    [Fact]
    public async Task Arguments_reach_the_program_unchanged_without_a_shell()
    {
        var result = await CommandRunner.RunAsync("printf", ["%s|", "a b", "$HOME", "'q'"], Ct);

        Assert.Equal("a b|$HOME|'q'|", result.Stdout);
    }

    [Fact]
    public async Task Feeds_stdin_and_otherwise_gives_end_of_file()
    {
        Assert.Equal("hello", (await CommandRunner.RunAsync("cat", [], Ct, stdin: "hello")).Stdout);
        Assert.Equal("", (await CommandRunner.RunAsync("cat", [], Ct)).Stdout);
    }

    [Fact]
    public async Task Runs_in_the_C_locale()
    {
        var result = await CommandRunner.RunAsync("sh", ["-c", "echo $LC_ALL"], Ct);

        Assert.Equal("C\n", result.Stdout);
    }

    [Fact]
    public async Task A_missing_program_is_exit_code_127()
    {
        var error = await Assert.ThrowsAsync<CommandException>(() => CommandRunner.RunAsync("/nonexistent/berth-tool", ["x"], Ct));

        Assert.Equal(127, error.Outcome.ExitCode);
        Assert.Contains("cannot run /nonexistent/berth-tool", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_overrun_is_killed_and_reported_as_a_timeout()
    {
        var error = await Assert.ThrowsAsync<CommandException>(() => CommandRunner.RunAsync("sleep", ["30"], Ct, timeout: TimeSpan.FromMilliseconds(200)));

        Assert.Equal(-1, error.Outcome.ExitCode);
        Assert.Contains("timed out after", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_kills_the_program_and_its_descendants()
    {
        var pidFile = temp.Combine("pid");
        using var cancel = new CancellationTokenSource();
        var run = CommandRunner.RunAsync("sh", ["-c", $"sleep 30 & echo $! > {pidFile}; wait"], cancel.Token);
        await Children.WaitUntilAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).EndsWith('\n'), "the shell wrote its child's pid");

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        var grandchild = int.Parse(File.ReadAllText(pidFile), System.Globalization.CultureInfo.InvariantCulture);
        await Children.WaitUntilAsync(() => !IsAlive(grandchild), $"sleep (pid {grandchild}) was killed");
    }

    public void Dispose() => temp.Dispose();

    /// <summary>A killed process nobody has reaped yet is a zombie, not alive.</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }
}
