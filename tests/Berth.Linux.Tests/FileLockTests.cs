namespace Berth.Linux.Tests;

public sealed class FileLockTests : IDisposable
{
    private readonly TempDirectory temp = new();

    [Fact]
    public void A_second_acquisition_conflicts_even_in_the_same_process()
    {
        var path = temp.Combine("berth.lock");

        using (var first = FileLock.TryAcquire(path))
        {
            Assert.NotNull(first);
            Assert.Null(FileLock.TryAcquire(path));
        }

        using var again = FileLock.TryAcquire(path);
        Assert.NotNull(again);
    }

    [Fact]
    public void Another_process_holding_the_lock_makes_acquisition_fail()
    {
        var path = temp.Combine("berth.lock");
        using var children = new Children();
        // -o: only flock itself holds the lock, so it is free once flock has been reaped.
        var holder = children.Start("flock", "-o", path, "sh", "-c", "echo locked; exec sleep 10");
        Assert.Equal("locked", holder.StandardOutput.ReadLine());

        Assert.Null(FileLock.TryAcquire(path));

        Children.Stop(holder);
        using var mine = FileLock.TryAcquire(path);
        Assert.NotNull(mine);
    }

    [Fact]
    public void Another_process_cannot_take_the_lock_while_it_is_held()
    {
        var path = temp.Combine("berth.lock");
        using var children = new Children();

        using (FileLock.TryAcquire(path))
        {
            var contender = children.Start("flock", "--nonblock", "--conflict-exit-code", "42", path, "true");
            contender.WaitForExit();
            Assert.Equal(42, contender.ExitCode);
        }

        var after = children.Start("flock", "--nonblock", path, "true");
        after.WaitForExit();
        Assert.Equal(0, after.ExitCode);
    }

    [Fact]
    public void A_path_in_a_missing_directory_is_an_error_not_a_conflict() =>
        Assert.ThrowsAny<IOException>(() => FileLock.TryAcquire(temp.Combine("missing", "berth.lock")));

    public void Dispose() => temp.Dispose();
}
