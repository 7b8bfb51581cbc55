namespace Berth.Linux.Tests;

public sealed class AtomicFileTests : IDisposable
{
    private readonly TempDirectory temp = new();

    [Fact]
    public void Replaces_the_content_and_leaves_no_temporary_file()
    {
        var path = temp.Combine("state.json");

        AtomicFile.Write(path, "{\"v\":1}");
        AtomicFile.Write(path, "{\"v\":2}"u8);

        Assert.Equal("{\"v\":2}", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void Keeps_the_permissions_of_the_file_it_replaces()
    {
        var path = temp.Combine("secret");
        File.WriteAllText(path, "old");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        AtomicFile.Write(path, "new");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task Writes_asynchronously()
    {
        var path = temp.Combine("state.json");
        await AtomicFile.WriteAsync(path, "first");

        await AtomicFile.WriteAsync(path, "second"u8.ToArray());

        Assert.Equal("second", await File.ReadAllTextAsync(path));
        Assert.Equal([path], Directory.GetFiles(temp.Path));
    }

    [Fact]
    public async Task A_cancelled_write_leaves_the_old_content_and_no_temporary_file()
    {
        var path = temp.Combine("state.json");
        AtomicFile.Write(path, "old");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => AtomicFile.WriteAsync(path, "new", new CancellationToken(canceled: true)));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void A_missing_directory_is_an_error() =>
        Assert.ThrowsAny<IOException>(() => AtomicFile.Write(temp.Combine("missing", "state.json"), "x"));

    [Fact]
    public void Recognises_only_its_own_temporary_files_of_the_target()
    {
        Assert.True(AtomicFile.IsLeftoverOf(".index.json.0123abcd.tmp", "/var/lib/berth/index.json"));
        Assert.True(AtomicFile.IsLeftoverOf(".index.json.0123abcd.tmp", "index.json"));
        Assert.False(AtomicFile.IsLeftoverOf("index.json", "index.json"));
        Assert.False(AtomicFile.IsLeftoverOf(".index.json.lock", "index.json"));
        Assert.False(AtomicFile.IsLeftoverOf(".image.json.0123abcd.tmp", "index.json"));
    }

    public void Dispose() => temp.Dispose();
}
