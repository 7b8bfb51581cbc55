using Berth.Cli.Commands;
using Berth.Cli.Output;
using Spectre.Console;

namespace Berth.Cli.Tests.Output;

public class TopScreenTests
{
    private static string[] Render(TopColumn column, bool live = false, int width = 200)
    {
        using var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = width;
        console.Write(TopScreen.Render(TopSort.Apply(TopViews.Three(), column), column, live, width));
        return writer.ToString().Split('\n');
    }

    /// <summary>The table's row for a pod or container, found by its name cell.</summary>
    private static int RowOf(string[] lines, string name) =>
        Array.FindIndex(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(name) && !l.Contains("node", StringComparison.Ordinal));

    [Fact]
    public void Pods_appear_in_the_sorted_order_with_their_containers_indented_beneath()
    {
        var lines = Render(TopColumn.Cpu);

        var busy = RowOf(lines, "busy");
        var loop = RowOf(lines, "loop");
        var calm = RowOf(lines, "calm");
        var large = RowOf(lines, "large");
        var small = RowOf(lines, "small");
        var fresh = RowOf(lines, "fresh");
        Assert.True(busy >= 0 && busy < loop && loop < calm && calm < large && large < small && small < fresh, string.Join('\n', lines));
        Assert.Contains("  loop", lines[loop], StringComparison.Ordinal);
        Assert.DoesNotContain("ops", lines[loop], StringComparison.Ordinal);
    }

    [Fact]
    public void A_pods_row_carries_every_column()
    {
        var lines = Render(TopColumn.Cpu);

        var calm = lines[RowOf(lines, "calm")].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["shop", "calm", "Running", "Burstable", "0.500", "400.0Mi", "300.0Mi", "5.00", "3.00", "1.00", "7.00", "1"], calm.Where(c => c != "│" && c != "|"));
        var fresh = lines[RowOf(lines, "fresh")].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["-", "-", "-"], fresh[4..7]);
    }

    [Fact]
    public void Sorting_by_name_moves_the_rows()
    {
        var lines = Render(TopColumn.Name);

        Assert.True(RowOf(lines, "busy") < RowOf(lines, "calm") && RowOf(lines, "calm") < RowOf(lines, "fresh"));
        Assert.Contains(lines, l => l.Contains("3 pods, sorted by name", StringComparison.Ordinal));
    }

    [Fact]
    public void The_node_panel_shows_cpu_memory_psi_and_every_condition()
    {
        var text = string.Join('\n', Render(TopColumn.Cpu));

        Assert.Contains("node node-a", text, StringComparison.Ordinal);
        Assert.Contains("1.250 cores", text, StringComparison.Ordinal);
        Assert.Contains("3.0Gi of 8.0Gi working set", text, StringComparison.Ordinal);
        Assert.Contains("cpu some 12.50%   memory some 0.75% full 0.25%   io some 3.00%", text, StringComparison.Ordinal);
        Assert.Matches(@"MemoryPressure\s+False\s+KubeletHasSufficientMemory", text);
        Assert.Matches(@"DiskPressure\s+True\s+KubeletHasDiskPressure\s+kubelet has disk pressure", text);
        Assert.Matches(@"Ready\s+True\s+KubeletReady", text);
    }

    [Fact]
    public void The_live_view_names_its_keys_and_the_snapshot_does_not()
    {
        Assert.Contains(Render(TopColumn.Cpu, live: true), l => l.Contains("q quit", StringComparison.Ordinal));
        Assert.DoesNotContain(Render(TopColumn.Cpu), l => l.Contains("q quit", StringComparison.Ordinal));
    }

    [Fact]
    public void The_snapshot_for_a_pipe_is_the_same_table_without_escape_codes()
    {
        using var writer = new StringWriter();

        TopCommand.Snapshot(TopSort.Apply(TopViews.Three(), TopColumn.Restarts), TopColumn.Restarts, writer);

        var text = writer.ToString();
        Assert.DoesNotContain("\u001b[", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf(" fresh ", StringComparison.Ordinal) < text.IndexOf(" calm ", StringComparison.Ordinal), text);
    }

    [Theory]
    [InlineData(null, "-")]
    [InlineData(512UL, "512")]
    [InlineData(1536UL, "1.5Ki")]
    [InlineData(200UL << 20, "200.0Mi")]
    [InlineData(3UL << 30, "3.0Gi")]
    public void Bytes_are_printed_in_binary_units(ulong? bytes, string expected) => Assert.Equal(expected, TopScreen.Bytes(bytes));

    [Fact]
    public void An_80_column_terminal_gets_the_compact_table_whose_figures_fit_on_one_line()
    {
        var lines = Render(TopColumn.Cpu, width: 80);

        var header = Assert.Single(lines, l => l.StartsWith("  POD ", StringComparison.Ordinal));
        Assert.Contains(" WSET ", header, StringComparison.Ordinal);
        Assert.DoesNotContain("QOS", header, StringComparison.Ordinal);
        Assert.DoesNotContain("PHASE", header, StringComparison.Ordinal);
        Assert.All(lines, l => Assert.True(l.TrimEnd().Length <= 80, l));
        var calm = Assert.Single(lines, l => l.Contains("shop/calm", StringComparison.Ordinal));
        Assert.Contains("400.0Mi", calm, StringComparison.Ordinal);
        Assert.Contains("300.0Mi", calm, StringComparison.Ordinal);
    }
}
