namespace Berth.Linux.Tests;

public class ProcessTableTests
{
    [Fact]
    public async Task A_running_child_is_alive_and_known_to_its_parent()
    {
        using var children = new Children();
        var child = children.Start("sleep", "30");

        Assert.True(ProcessTable.IsAlive(child.Id));
        Assert.Equal(Environment.ProcessId, ProcessTable.ParentOf(child.Id));
        Assert.Contains(child.Id, ProcessTable.ChildrenOf(Environment.ProcessId));
        await Children.WaitUntilAsync(() => ProcessTable.StateOf(child.Id) == 'S', "sleep is sleeping");

        Children.Stop(child);

        Assert.False(ProcessTable.IsAlive(child.Id));
        Assert.Null(ProcessTable.StateOf(child.Id));
        Assert.Null(ProcessTable.ParentOf(child.Id));
    }

    [Fact]
    public async Task An_unreaped_child_is_a_zombie_and_not_alive()
    {
        using var children = new Children();
        // The shell forks "true" and then becomes sleep, which never waits for it.
        var parent = children.Start("sh", "-c", "true & exec sleep 30");
        var zombie = 0;
        await Children.WaitUntilAsync(
            () => ProcessTable.ChildrenOf(parent.Id) is [var only] && ProcessTable.StateOf(zombie = only) == 'Z',
            "the background child is a zombie");

        Assert.False(ProcessTable.IsAlive(zombie));
        Assert.Equal(parent.Id, ProcessTable.ParentOf(zombie));
        Assert.True(ProcessTable.IsAlive(parent.Id));
    }

    [Fact]
    public void Nonexistent_pids_have_no_answers()
    {
        Assert.False(ProcessTable.IsAlive(0));
        Assert.False(ProcessTable.IsAlive(-1));
        Assert.False(ProcessTable.IsAlive(int.MaxValue));
        Assert.Null(ProcessTable.ParentOf(int.MaxValue));
        Assert.Empty(ProcessTable.ChildrenOf(int.MaxValue));
    }

    [Fact]
    public void Pid_one_is_alive_with_no_parent_in_this_namespace()
    {
        Assert.True(ProcessTable.IsAlive(1));
        Assert.Equal(0, ProcessTable.ParentOf(1));
    }

    [Theory]
    [InlineData("42 (sleep) S 7 42 42 0", 'S', 7)]
    [InlineData("42 (a) b (c) Z 1 0 0", 'Z', 1)]
    [InlineData("42 (with space) R 100", 'R', 100)]
    public void Stat_fields_are_read_after_the_last_parenthesis(string stat, char state, int parent) =>
        Assert.Equal(new ProcessTable.ProcStat(state, parent, 0), ProcessTable.ParseStat(stat));

    [Fact]
    public void Start_time_is_field_22()
    {
        var stat = "42 (x y) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 123456 5000 100";
        Assert.Equal(123456UL, ProcessTable.ParseStat(stat)!.Value.StartTime);
        Assert.True(ProcessTable.StartTimeOf(Environment.ProcessId) > 0);
        Assert.Equal(ProcessTable.StartTimeOf(Environment.ProcessId), ProcessTable.StartTimeOf(Environment.ProcessId));
    }

    [Theory]
    [InlineData("42 (x) S 1 42 42 0 -1 4194560 100", false)]
    [InlineData("42 (x) R 1 42 42 0 -1 4194564 100", true)] // PF_EXITING (0x4) set
    public void Flags_are_field_9_and_pf_exiting_is_read_from_them(string stat, bool exiting) =>
        Assert.Equal(exiting, (ProcessTable.ParseStat(stat)!.Value.Flags & 0x4) != 0);

    [Fact]
    public void A_gone_or_zombie_process_is_exiting_and_this_one_is_not()
    {
        Assert.False(ProcessTable.IsExiting(Environment.ProcessId));
        Assert.True(ProcessTable.IsExiting(int.MaxValue));
    }

    [Fact]
    public void A_truncated_stat_line_has_no_fields() => Assert.Null(ProcessTable.ParseStat("42 (sleep"));
}

public class SignalsSendTests
{
    [Fact]
    public async Task Send_delivers_the_signal_and_answers_false_for_a_missing_process()
    {
        using var children = new Children();
        var child = children.Start("sleep", "30");

        Assert.True(Signals.Send(child.Id, Signals.Kill));
        await child.WaitForExitAsync();
        Assert.Equal(137, child.ExitCode);

        Assert.False(Signals.Send(child.Id, Signals.Kill));
        Assert.False(Signals.Send(0, Signals.Kill)); // 0 would mean the whole process group
    }
}
