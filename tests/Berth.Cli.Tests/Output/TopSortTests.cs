using Berth.Cli.Output;

namespace Berth.Cli.Tests.Output;

public class TopSortTests
{
    [Theory]
    [InlineData("name", new[] { "busy", "calm", "fresh" })]
    [InlineData("cpu", new[] { "busy", "calm", "fresh" })]
    [InlineData("memory", new[] { "calm", "busy", "fresh" })]
    [InlineData("working-set", new[] { "calm", "busy", "fresh" })]
    [InlineData("psi-cpu", new[] { "busy", "calm", "fresh" })]
    [InlineData("psi-memory", new[] { "fresh", "calm", "busy" })]
    [InlineData("psi-io", new[] { "calm", "busy", "fresh" })]
    [InlineData("restarts", new[] { "fresh", "calm", "busy" })]
    public void Each_column_orders_the_pods(string column, string[] expected)
    {
        var sorted = TopSort.Apply(TopViews.Three(), TopSort.Parse(column)!.Value);

        Assert.Equal(expected, sorted.Pods.Select(p => p.Name));
    }

    [Fact]
    public void Name_sorts_by_namespace_first_ascending()
    {
        var sorted = TopSort.Apply(TopViews.Three(), TopColumn.Name);

        Assert.Equal(["ops/busy", "shop/calm", "shop/fresh"], sorted.Pods.Select(p => $"{p.Namespace}/{p.Name}"));
    }

    [Fact]
    public void A_pod_without_a_rate_yet_goes_last_not_first()
    {
        var view = TopViews.Three();
        var sorted = TopSort.Apply(view with { Pods = [view.Pods[2], view.Pods[0], view.Pods[1]] }, TopColumn.Cpu);

        Assert.Equal("fresh", sorted.Pods[^1].Name);
    }

    [Theory]
    [InlineData(TopColumn.Cpu, new[] { "large", "small" })]
    [InlineData(TopColumn.Restarts, new[] { "large", "small" })]
    [InlineData(TopColumn.Name, new[] { "large", "small" })]
    public void Containers_are_sorted_within_their_pod_by_the_same_column(TopColumn column, string[] expected)
    {
        var calm = TopSort.Apply(TopViews.Three(), column).Pods.Single(p => p.Name == "calm");

        Assert.Equal(expected, calm.Containers.Select(c => c.Name));
    }

    [Fact]
    public void Containers_follow_the_column_even_against_name_order()
    {
        var view = TopViews.Three();
        var calm = view.Pods[0] with { Containers = [view.Pods[0].Containers[1] with { CpuCores = 0.05 }, view.Pods[0].Containers[0]] };

        var sorted = TopSort.Apply(view with { Pods = [calm] }, TopColumn.Cpu);

        Assert.Equal(["small", "large"], sorted.Pods[0].Containers.Select(c => c.Name));
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("")]
    [InlineData(null)]
    public void Unknown_names_are_not_columns(string? name) => Assert.Null(TopSort.Parse(name));

    [Fact]
    public void Names_parse_back_to_their_columns()
    {
        foreach (var column in Enum.GetValues<TopColumn>())
        {
            Assert.Equal(column, TopSort.Parse(TopSort.NameOf(column)));
        }

        Assert.Equal(TopColumn.WorkingSet, TopSort.Parse("Working-Set"));
    }

    [Theory]
    [InlineData('c', TopColumn.Name, TopColumn.Cpu)]
    [InlineData('m', TopColumn.Cpu, TopColumn.Memory)]
    [InlineData('w', TopColumn.Cpu, TopColumn.WorkingSet)]
    [InlineData('r', TopColumn.Cpu, TopColumn.Restarts)]
    [InlineData('n', TopColumn.Cpu, TopColumn.Name)]
    [InlineData('p', TopColumn.Cpu, TopColumn.PsiCpu)]
    [InlineData('p', TopColumn.PsiCpu, TopColumn.PsiMemory)]
    [InlineData('p', TopColumn.PsiMemory, TopColumn.PsiIo)]
    [InlineData('p', TopColumn.PsiIo, TopColumn.PsiCpu)]
    [InlineData('M', TopColumn.Cpu, TopColumn.Memory)]
    public void Keys_choose_columns_and_p_steps_through_psi(char key, TopColumn current, TopColumn expected) =>
        Assert.Equal(expected, TopSort.ForKey(key, current));

    [Fact]
    public void Other_keys_change_nothing() => Assert.Null(TopSort.ForKey('x', TopColumn.Cpu));
}
