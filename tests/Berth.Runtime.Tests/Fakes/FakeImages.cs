using Berth.Images;

namespace Berth.Runtime.Tests.Fakes;

/// <summary>Images that exist as one layer directory each, with the /etc/passwd and /etc/group a test gives them.</summary>
public sealed class FakeImages(string root) : IImageStore
{
    private readonly Dictionary<string, ImageRecord> images = [];

    public List<string> Used { get; } = [];

    /// <summary>What a pull does; by default there is no registry.</summary>
    public Func<string, CancellationToken, Task<ImageRecord>>? Pull { get; set; }

    public ImageRecord Add(string name, ImageConfig config, string passwd = "root:x:0:0:root:/root:/bin/sh\n", string group = "root:x:0:\n")
    {
        var id = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)));
        var layer = Directory.CreateDirectory(Path.Combine(root, "layers", id[..12])).FullName;
        Directory.CreateDirectory(Path.Combine(layer, "etc"));
        File.WriteAllText(Path.Combine(layer, "etc", "passwd"), passwd);
        File.WriteAllText(Path.Combine(layer, "etc", "group"), group);
        var image = new ImageRecord(id, ImageReference.Parse(name), DateTimeOffset.UtcNow, 0, [layer], config) { OverlayLowerDir = layer, Origin = ImageOrigin.Imported };
        images[name] = image;
        return image;
    }

    public ImageRecord? Find(string reference) => images.GetValueOrDefault(reference);

    public IReadOnlyList<ImageRecord> List() => [.. images.Values];

    public Task MarkUsedAsync(string id, CancellationToken ct)
    {
        Used.Add(id);
        return Task.CompletedTask;
    }

    public Task<ImageRecord> ImportAsync(string rootfsDir, ImageReference reference, CancellationToken ct) => throw new InvalidOperationException("not used by the runtime");

    public Task<ImageRecord> PullAsync(string reference, PullOptions options, IProgress<PullProgress>? progress, CancellationToken ct) =>
        Pull is { } pull ? pull(reference, ct) : throw new InvalidOperationException("no registry in this test");

    public Task<IReadOnlyList<ImageRecord>> LoadAsync(string path, ImageReference? name, CancellationToken ct) => throw new InvalidOperationException("not used by the runtime");

    public Task SaveAsync(IReadOnlyList<string> references, string outputFile, CancellationToken ct) => throw new InvalidOperationException("not used by the runtime");

    public Task RemoveAsync(string reference, CancellationToken ct) => throw new InvalidOperationException("not used by the runtime");

    public Task<GcResult> PruneAsync(Func<string, bool> inUse, CancellationToken ct) => throw new InvalidOperationException("not used by the runtime");

    public Task<GcResult> CollectAsync(ImageGcPolicy policy, Func<string, bool> inUse, CancellationToken ct) => throw new InvalidOperationException("not used by the runtime");
}
