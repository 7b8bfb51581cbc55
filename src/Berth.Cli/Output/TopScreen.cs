using System.Globalization;
using Berth.Node.Stats;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Berth.Cli.Output;

/// <summary>
/// What <c>berth top</c> draws: a node panel (cpu, memory, PSI, conditions) above a table with
/// a row per pod and an indented row per container under it, in the order the view is sorted.
/// </summary>
public static class TopScreen
{
    public const string Keys = "keys: c cpu  m memory  w working set  p psi (cpu, memory, io)  r restarts  n name  q quit";

    public static readonly string[] Headers =
        ["NAMESPACE", "NAME", "PHASE", "QOS", "CPU", "MEMORY", "WORKING SET", "PSI CPU", "PSI MEM", "PSI MEM FULL", "PSI IO", "RESTARTS"];

    /// <summary>Below this width the table drops namespace, phase, QoS and memory full
    /// (the POD column shows namespace/name): twelve columns on 80 characters wrap every figure.</summary>
    public const int CompactBelow = 132;

    /// <summary>The compact table's columns, by their index in <see cref="Headers"/>, and their shorter headers.</summary>
    private static readonly int[] CompactColumns = [1, 4, 5, 6, 7, 8, 10, 11];

    private static readonly Dictionary<int, string> CompactHeaders = new() { [1] = "POD", [5] = "MEM", [6] = "WSET", [11] = "RST" };

    /// <param name="view">Already sorted (<see cref="TopSort.Apply"/>).</param>
    /// <param name="live">Adds the keys line, for the live view.</param>
    /// <param name="width">The console's width; narrower than <see cref="CompactBelow"/> gives the compact table.</param>
    public static IRenderable Render(TopView view, TopColumn sort, bool live, int width = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(view);
        var compact = width < CompactBelow;
        int[] columns = compact ? CompactColumns : [.. Enumerable.Range(0, Headers.Length)];
        var caption = $"{view.Pods.Count} pods, sorted by {TopSort.NameOf(sort)}, at {view.Time.ToLocalTime():HH:mm:ss}";
        var pods = new Table().Border(TableBorder.Simple).Caption(Markup.Escape(live ? $"{caption}   {Keys}" : caption));
        foreach (var i in columns)
        {
            var header = compact ? CompactHeaders.GetValueOrDefault(i, Headers[i]) : Headers[i];
            var column = new TableColumn(SortedBy(i) == sort ? $"[bold underline]{header}[/]" : header);
            pods.AddColumn(i >= 4 ? column.RightAligned() : column);
        }

        foreach (var pod in view.Pods)
        {
            var name = compact ? $"{pod.Namespace}/{pod.Name}" : pod.Name;
            pods.AddRow(Pick(Cells(pod.Namespace, name, Text(pod.Phase), Text(pod.QosClass), pod), columns));
            foreach (var container in pod.Containers)
            {
                pods.AddRow(Pick(Cells("", $"  {container.Name}", "", "", container), columns));
            }
        }

        return new Rows(Node(view.Node), pods);
    }

    private static string[] Pick(string[] cells, int[] columns) => [.. columns.Select(i => cells[i])];

    private static TopColumn? SortedBy(int header) => header switch
    {
        1 => TopColumn.Name,
        4 => TopColumn.Cpu,
        5 => TopColumn.Memory,
        6 => TopColumn.WorkingSet,
        7 => TopColumn.PsiCpu,
        8 => TopColumn.PsiMemory,
        10 => TopColumn.PsiIo,
        11 => TopColumn.Restarts,
        _ => null,
    };

    private static string[] Cells(string ns, string name, string phase, string qos, ITopRow row) =>
    [
        Markup.Escape(ns),
        Markup.Escape(name),
        Markup.Escape(phase),
        Markup.Escape(qos),
        Cores(row.CpuCores),
        Bytes(row.MemoryUsageBytes),
        Bytes(row.WorkingSetBytes),
        Percent(row.Psi?.CpuSomeAvg10),
        Percent(row.Psi?.MemorySomeAvg10),
        Percent(row.Psi?.MemoryFullAvg10),
        Percent(row.Psi?.IoSomeAvg10),
        row.Restarts.ToString(CultureInfo.InvariantCulture),
    ];

    private static Panel Node(TopNode node)
    {
        var figures = new Grid().AddColumn().AddColumn();
        var memory = node.MemoryCapacityBytes is { } capacity ? $"{Bytes(node.MemoryWorkingSetBytes)} of {Bytes(capacity)} working set" : $"{Bytes(node.MemoryWorkingSetBytes)} working set";
        figures.AddRow("[bold]cpu[/]", $"{Cores(node.CpuCores)} cores");
        figures.AddRow("[bold]memory[/]", memory);
        figures.AddRow(
            "[bold]psi avg10[/]",
            $"cpu some {Percent(node.Psi?.CpuSomeAvg10)}%   memory some {Percent(node.Psi?.MemorySomeAvg10)}% full {Percent(node.Psi?.MemoryFullAvg10)}%   io some {Percent(node.Psi?.IoSomeAvg10)}%");
        var conditions = new Table().Border(TableBorder.None).AddColumns("TYPE", "STATUS", "REASON", "MESSAGE");
        foreach (var condition in node.Conditions)
        {
            conditions.AddRow(Markup.Escape(condition.Type), Status(condition), Markup.Escape(condition.Reason), Markup.Escape(condition.Message));
        }

        return new Panel(new Rows(figures, conditions)).Header(Markup.Escape($"node {node.Name}"));
    }

    /// <summary>A pressure condition that is True is trouble (red), False is fine (green); Ready
    /// is the other way round. Unknown (not evaluated yet) is yellow.</summary>
    private static string Status(TopCondition condition)
    {
        var good = condition.Type == "Ready" ? "True" : "False";
        var colour = condition.Status == good ? "green" : condition.Status is "True" or "False" ? "red" : "yellow";
        return $"[{colour}]{Markup.Escape(condition.Status)}[/]";
    }

    private static string Text(string value) => value is { Length: > 0 } ? value : "-";

    public static string Cores(double? cores) => cores is { } c ? c.ToString("0.000", CultureInfo.InvariantCulture) : "-";

    public static string Percent(double? avg10) => avg10 is { } p ? p.ToString("0.00", CultureInfo.InvariantCulture) : "-";

    /// <summary>Binary units as kubectl top prints memory (Ki, Mi, Gi).</summary>
    public static string Bytes(ulong? bytes)
    {
        if (bytes is not { } b)
        {
            return "-";
        }

        string[] units = ["", "Ki", "Mi", "Gi", "Ti"];
        var value = (double)b;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{b}" : $"{value.ToString("0.0", CultureInfo.InvariantCulture)}{units[unit]}";
    }
}
