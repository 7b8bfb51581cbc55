using Berth.Node.Stats;

namespace Berth.Cli.Output;

/// <summary>The columns <c>berth top</c> sorts by (<c>--sort</c> and the keys while it runs).</summary>
public enum TopColumn
{
    Name,
    Cpu,
    Memory,
    WorkingSet,
    PsiCpu,
    PsiMemory,
    PsiIo,
    Restarts,
}

/// <summary>
/// Sorting of <c>berth top</c>'s view: pods by the column, and each pod's containers by the same
/// column under it. Name sorts ascending (namespace, then name); every other column descending,
/// the biggest user first as top does, with unknown values (no rate yet) last and ties by name.
/// </summary>
public static class TopSort
{
    public const TopColumn Default = TopColumn.Cpu;

    private static readonly (string Name, TopColumn Column)[] Names =
    [
        ("name", TopColumn.Name),
        ("cpu", TopColumn.Cpu),
        ("memory", TopColumn.Memory),
        ("working-set", TopColumn.WorkingSet),
        ("psi-cpu", TopColumn.PsiCpu),
        ("psi-memory", TopColumn.PsiMemory),
        ("psi-io", TopColumn.PsiIo),
        ("restarts", TopColumn.Restarts),
    ];

    /// <summary>The names --sort accepts, in the order the help lists them.</summary>
    public static IEnumerable<string> ColumnNames => Names.Select(n => n.Name);

    public static string NameOf(TopColumn column) => Names.Single(n => n.Column == column).Name;

    public static TopColumn? Parse(string? text) =>
        Names.FirstOrDefault(n => string.Equals(n.Name, text, StringComparison.OrdinalIgnoreCase)) is { Name: not null } found ? found.Column : null;

    /// <summary>The key pressed while the view runs: c cpu, m memory, w working set, r restarts,
    /// n name, and p through the PSI columns (cpu, memory, io) in turn. Null for any other key.</summary>
    public static TopColumn? ForKey(char key, TopColumn current) => char.ToLowerInvariant(key) switch
    {
        'c' => TopColumn.Cpu,
        'm' => TopColumn.Memory,
        'w' => TopColumn.WorkingSet,
        'r' => TopColumn.Restarts,
        'n' => TopColumn.Name,
        'p' => current switch
        {
            TopColumn.PsiCpu => TopColumn.PsiMemory,
            TopColumn.PsiMemory => TopColumn.PsiIo,
            _ => TopColumn.PsiCpu,
        },
        _ => null,
    };

    public static TopView Apply(TopView view, TopColumn column)
    {
        ArgumentNullException.ThrowIfNull(view);
        var pods = Order(view.Pods, column, p => p.Namespace)
            .Select(p => p with { Containers = [.. Order(p.Containers, column, _ => "")] })
            .ToList();
        return view with { Pods = pods };
    }

    private static IEnumerable<T> Order<T>(IEnumerable<T> rows, TopColumn column, Func<T, string> group)
        where T : ITopRow
    {
        if (column == TopColumn.Name)
        {
            return rows.OrderBy(group, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal);
        }

        // Rows without a value go after every row with one, whatever the direction.
        return rows
            .OrderBy(r => Value(r, column) is null)
            .ThenByDescending(r => Value(r, column) ?? 0)
            .ThenBy(group, StringComparer.Ordinal)
            .ThenBy(r => r.Name, StringComparer.Ordinal);
    }

    private static double? Value(ITopRow row, TopColumn column) => column switch
    {
        TopColumn.Cpu => row.CpuCores,
        TopColumn.Memory => row.MemoryUsageBytes,
        TopColumn.WorkingSet => row.WorkingSetBytes,
        TopColumn.PsiCpu => row.Psi?.CpuSomeAvg10,
        TopColumn.PsiMemory => row.Psi?.MemorySomeAvg10,
        TopColumn.PsiIo => row.Psi?.IoSomeAvg10,
        TopColumn.Restarts => row.Restarts,
        _ => null,
    };
}
