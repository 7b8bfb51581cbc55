using Berth.Runtime.Model;
using Berth.Runtime.Store;

namespace Berth.Runtime.Tests.Store;

public sealed class RecordCacheTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("berth-records-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Theory]
    [InlineData(ContainerState.Created, ContainerState.Running, true)]
    [InlineData(ContainerState.Created, ContainerState.Exited, true)]
    [InlineData(ContainerState.Running, ContainerState.Exited, true)]
    [InlineData(ContainerState.Running, ContainerState.Running, true)]
    [InlineData(ContainerState.Exited, ContainerState.Exited, true)]
    [InlineData(ContainerState.Running, ContainerState.Created, false)]
    [InlineData(ContainerState.Exited, ContainerState.Running, false)]
    [InlineData(ContainerState.Exited, ContainerState.Created, false)]
    public void Container_states_only_move_forward(ContainerState from, ContainerState to, bool allowed) =>
        Assert.Equal(allowed, StateMachines.ContainerMove(from, to));

    [Theory]
    [InlineData(SandboxState.Ready, SandboxState.NotReady, true)]
    [InlineData(SandboxState.NotReady, SandboxState.NotReady, true)]
    [InlineData(SandboxState.NotReady, SandboxState.Ready, false)]
    public void A_not_ready_sandbox_is_never_ready_again(SandboxState from, SandboxState to, bool allowed) =>
        Assert.Equal(allowed, StateMachines.SandboxMove(from, to));

    [Fact]
    public async Task Updates_are_written_through_and_read_back_by_a_new_cache()
    {
        var cache = NewCache();
        await cache.AddAsync(Record("c1", ContainerState.Created), CancellationToken.None);
        await cache.UpdateAsync("c1", c => c with { State = ContainerState.Running, Pid = 42 }, CancellationToken.None);

        var reloaded = NewCache().Get("c1");
        Assert.Equal(ContainerState.Running, reloaded?.State);
        Assert.Equal(42, reloaded?.Pid);
    }

    [Fact]
    public async Task A_forbidden_move_throws_and_changes_nothing_on_disk()
    {
        var cache = NewCache();
        await cache.AddAsync(Record("c1", ContainerState.Exited), CancellationToken.None);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => cache.UpdateAsync("c1", c => c with { State = ContainerState.Running }, CancellationToken.None));
        Assert.Contains("Exited to Running", e.Message);
        Assert.Equal(ContainerState.Exited, NewCache().Get("c1")?.State);
    }

    [Fact]
    public async Task Returning_the_same_record_writes_nothing()
    {
        var cache = NewCache();
        await cache.AddAsync(Record("c1", ContainerState.Running), CancellationToken.None);
        var file = Path.Combine(dir, "c1.json");
        File.SetLastWriteTimeUtc(file, new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        var result = await cache.UpdateAsync("c1", c => c, CancellationToken.None);

        Assert.Same(result!.Value.Before, result.Value.After);
        Assert.Equal(2001, File.GetLastWriteTimeUtc(file).Year);
    }

    [Fact]
    public async Task Concurrent_updates_of_one_record_are_serialized()
    {
        var cache = NewCache();
        await cache.AddAsync(Record("c1", ContainerState.Running), CancellationToken.None);

        // Each update appends to what the previous one left: a lost update would drop a mark.
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => cache.UpdateAsync("c1", c => c with { Message = c.Message + "x" }, CancellationToken.None))));

        Assert.Equal(40, cache.Get("c1")!.Message!.Length);
    }

    [Fact]
    public async Task Records_are_found_by_a_unique_prefix_and_deleted_from_disk()
    {
        var cache = NewCache();
        await cache.AddAsync(Record("abc123", ContainerState.Created), CancellationToken.None);
        await cache.AddAsync(Record("abd456", ContainerState.Created), CancellationToken.None);

        Assert.Equal("abc123", cache.Find("abc")?.Id);
        Assert.Null(cache.Find("ab")); // ambiguous
        cache.Delete("abc123");
        Assert.Null(NewCache().Get("abc123"));
        Assert.NotNull(NewCache().Get("abd456"));
    }

    [Fact]
    public async Task Updating_a_removed_record_returns_nothing()
    {
        var cache = NewCache();
        Assert.Null(await cache.UpdateAsync("gone", c => c with { Pid = 1 }, CancellationToken.None));
    }

    private RecordCache<ContainerRecord, ContainerState> NewCache() => new(new RecordStore<ContainerRecord>(dir), StateMachines.ContainerMove);

    private static ContainerRecord Record(string id, ContainerState state) => new()
    {
        Id = id,
        SandboxId = "s1",
        Config = Fakes.FakeNode.Container(),
        ImageId = "img",
        State = state,
        CgroupPath = "/kubepods/pod1/" + id,
        LogFile = "/dev/null",
    };
}
