using System.Text;
using Berth.Core.Validation;
using k8s.Models;

namespace Berth.Core.Tests.Validation;

/// <summary>Every field of the Pod API has one treatment, and docs/pod-fields.md shows it.</summary>
public class PodFieldCatalogTests
{
    private const string DocsBegin = "<!-- pod-fields:begin (generated from PodFieldCatalog; BERTH_WRITE_DOCS=1 rewrites it) -->";
    private const string DocsEnd = "<!-- pod-fields:end -->";

    [Fact]
    public void Every_reachable_model_property_is_classified()
    {
        var unclassified = Reachable().Where(f => PodFieldCatalog.Find(f.Model, f.Field) is null).Select(f => $"{f.Model.Name}.{f.Field}").ToList();
        Assert.True(unclassified.Count == 0, "not in PodFieldCatalog: " + string.Join(", ", unclassified));
    }

    [Fact]
    public void Every_catalog_entry_names_a_reachable_property()
    {
        var reachable = Reachable().ToHashSet();
        var stale = PodFieldCatalog.Entries.Where(e => !reachable.Contains((e.Model, e.Field))).Select(e => $"{e.Model.Name}.{e.Field}").ToList();
        Assert.True(stale.Count == 0, "catalog entries for no reachable property: " + string.Join(", ", stale));
    }

    [Theory]
    [InlineData(typeof(V1PodSpec))]
    [InlineData(typeof(V1Container))]
    [InlineData(typeof(V1SecurityContext))]
    [InlineData(typeof(V1PodSecurityContext))]
    [InlineData(typeof(V1Volume))]
    [InlineData(typeof(V1VolumeMount))]
    [InlineData(typeof(V1EmptyDirVolumeSource))]
    [InlineData(typeof(V1HostPathVolumeSource))]
    [InlineData(typeof(V1EnvVar))]
    [InlineData(typeof(V1Lifecycle))]
    [InlineData(typeof(V1ObjectMeta))]
    public void The_walk_reaches_every_model_of_the_pod_api(Type model)
    {
        Assert.Contains(Reachable(), f => f.Model == model);
        Assert.All(PodFieldCheck.FieldsOf(model), f => Assert.NotNull(PodFieldCatalog.Find(model, f.Name)));
    }

    [Fact]
    public void Docs_table_matches_the_catalog()
    {
        var path = Path.Combine(RepoRoot(), "docs", "pod-fields.md");
        var text = File.ReadAllText(path);
        var begin = text.IndexOf(DocsBegin, StringComparison.Ordinal);
        var end = text.IndexOf(DocsEnd, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, $"{path} lacks the generated-table markers");
        var expected = Table();
        var actual = text[(begin + DocsBegin.Length)..end];
        if (actual != expected && Environment.GetEnvironmentVariable("BERTH_WRITE_DOCS") == "1")
        {
            File.WriteAllText(path, text[..(begin + DocsBegin.Length)] + expected + text[end..]);
            return;
        }

        Assert.Equal(expected, actual);
    }

    /// <summary>(model, field) pairs the validator can meet: every field of every model reached
    /// from V1Pod through Implemented fields (a Refused or Warned field is judged whole).</summary>
    private static IEnumerable<(Type Model, string Field)> Reachable()
    {
        var seen = new HashSet<Type>();
        var queue = new Queue<Type>([PodFieldCatalog.Root]);
        while (queue.TryDequeue(out var model))
        {
            if (!seen.Add(model))
            {
                continue;
            }

            foreach (var (property, name) in PodFieldCheck.FieldsOf(model))
            {
                yield return (model, name);
                if (PodFieldCatalog.Find(model, name) is { Treatment: FieldTreatment.Implemented } && PodFieldCheck.ModelOf(property.PropertyType) is { } inner)
                {
                    queue.Enqueue(inner);
                }
            }
        }
    }

    private static string Table()
    {
        var text = new StringBuilder("\n");
        foreach (var group in PodFieldCatalog.Entries.GroupBy(e => e.Model))
        {
            text.Append("\n### ").Append(group.Key.Name).Append("\n\n| field | treatment | note |\n|---|---|---|\n");
            foreach (var (_, field, rule) in group.OrderBy(e => e.Field, StringComparer.Ordinal))
            {
                text.Append($"| `{field}` | {rule.Treatment} | {rule.Note} |\n");
            }
        }

        return text.Append('\n').ToString();
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Berth.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Berth.slnx not found above " + AppContext.BaseDirectory);
    }
}
