using System.CommandLine;
using Berth.Api.V1;
using Berth.Cli.Output;
using Berth.Node.Stats;
using Grpc.Core;
using Spectre.Console;

namespace Berth.Cli.Commands;

/// <summary><c>berth top</c>: node pressure and conditions, and each pod's and container's cpu,
/// memory, working set, PSI and restarts, refreshed in place until q or Ctrl-C.</summary>
public static class TopCommand
{
    /// <summary>How long to wait for a key between checks; short enough that a key feels
    /// immediate, long enough to cost nothing.</summary>
    private static readonly TimeSpan KeyPoll = TimeSpan.FromMilliseconds(50);

    public static Command Create()
    {
        var output = new Option<string?>("--output", "-o") { Description = "json: print one snapshot (node, pods[].containers[]) and exit" };
        output.AcceptOnlyFromAmong("json");
        var sort = new Option<string>("--sort") { Description = $"The column to sort by: {string.Join(", ", TopSort.ColumnNames)} (name ascending, the others descending)", DefaultValueFactory = _ => TopSort.NameOf(TopSort.Default) };
        var interval = new Option<double>("--interval") { Description = "Seconds between refreshes (the numbers change with each housekeeping pass, --housekeeping-interval of serve)", DefaultValueFactory = _ => 2 };
        var ns = new Option<string?>("--namespace", "-n") { Description = "Only the pods of this namespace" };
        var command = new Command("top", "Show node pressure and conditions, and per pod and container cpu (cores), memory, working set, PSI and restarts, refreshed in place")
        {
            output, sort, interval, ns,
        };
        command.SetAction(async (parse, ct) =>
        {
            var column = Validate(parse.GetValue(sort), parse.GetValue(interval));
            var period = TimeSpan.FromSeconds(parse.GetValue(interval));
            var client = Global.Client(parse);
            var request = new TopRequest { Namespace = parse.GetValue(ns) ?? "" };
            async Task<TopView> FetchAsync(CancellationToken token) => TopView.FromJson((await client.TopAsync(request, cancellationToken: token)).Json);

            if (parse.GetValue(output) == "json")
            {
                Console.WriteLine(TopSort.Apply(await FetchAsync(ct), column).ToJson());
                return ExitCodes.Ok;
            }

            if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
            {
                Snapshot(TopSort.Apply(await FetchAsync(ct), column), column, Console.Out);
                return ExitCodes.Ok;
            }

            try
            {
                await LiveAsync(FetchAsync, column, period, ct);
            }
            catch (Exception e) when (ct.IsCancellationRequested && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
                // Ctrl-C: the normal way to leave, as q is
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The sort column, or bad input naming the option (exit code 2).</summary>
    public static TopColumn Validate(string? sort, double interval)
    {
        if (!(interval > 0) || double.IsInfinity(interval))
        {
            throw new ArgumentException($"--interval must be a number of seconds greater than 0, not {interval}");
        }

        return TopSort.Parse(sort) ?? throw new ArgumentException($"--sort \"{sort}\" is not a column; use one of {string.Join(", ", TopSort.ColumnNames)}");
    }

    /// <summary>One table for a pipe or a file: no live region, no colours, wide enough not to wrap.</summary>
    public static void Snapshot(TopView view, TopColumn column, TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 220;
        console.Write(TopScreen.Render(view, column, live: false));
    }

    private static async Task LiveAsync(Func<CancellationToken, Task<TopView>> fetch, TopColumn column, TimeSpan period, CancellationToken ct)
    {
        var view = await fetch(ct);
        var keys = !Console.IsInputRedirected;
        await AnsiConsole.Live(TopScreen.Render(TopSort.Apply(view, column), column, keys, AnsiConsole.Profile.Width)).AutoClear(false).StartAsync(async live =>
        {
            var next = DateTimeOffset.UtcNow + period;
            while (!ct.IsCancellationRequested)
            {
                // Between refreshes only keys are read, so a new sort shows at once without a fetch.
                var changed = false;
                while (keys && Console.KeyAvailable)
                {
                    var key = Console.ReadKey(intercept: true).KeyChar;
                    if (key is 'q' or 'Q')
                    {
                        return;
                    }

                    if (TopSort.ForKey(key, column) is { } chosen)
                    {
                        column = chosen;
                        changed = true;
                    }
                }

                if (DateTimeOffset.UtcNow >= next)
                {
                    view = await fetch(ct);
                    next = DateTimeOffset.UtcNow + period;
                    changed = true;
                }

                if (changed)
                {
                    live.UpdateTarget(TopScreen.Render(TopSort.Apply(view, column), column, keys, AnsiConsole.Profile.Width));
                    live.Refresh();
                }

                var wait = next - DateTimeOffset.UtcNow;
                await Task.Delay(keys && wait > KeyPoll ? KeyPoll : wait > TimeSpan.Zero ? wait : TimeSpan.Zero, ct);
            }
        });
    }
}
