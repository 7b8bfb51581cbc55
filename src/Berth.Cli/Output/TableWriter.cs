namespace Berth.Cli.Output;

/// <summary>Left-aligned columns separated by three spaces, like kubectl's and crictl's tables.</summary>
public sealed class TableWriter(params string[] headers)
{
    private readonly List<string[]> rows = [];

    public void Add(params string[] cells) => rows.Add(cells);

    public void WriteTo(TextWriter writer, string indent = "")
    {
        var all = rows.Prepend(headers).ToList();
        var widths = Enumerable.Range(0, headers.Length).Select(i => all.Max(r => i < r.Length ? r[i].Length : 0)).ToArray();
        foreach (var row in all)
        {
            var cells = row.Select((c, i) => i == row.Length - 1 ? c : c.PadRight(widths[i]));
            writer.WriteLine(indent + string.Join("   ", cells).TrimEnd());
        }
    }
}
