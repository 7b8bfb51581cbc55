using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Images.Content;
using Berth.Linux;
using ZstdSharp;

namespace Berth.Images.Layers;

/// <summary>&lt;root&gt;/layers/&lt;diff id hex&gt;/layer.json: what unpacking one layer found.</summary>
internal sealed record LayerDocument(
    [property: JsonPropertyName("diffId")] string DiffId,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("unpacked")] DateTimeOffset Unpacked);

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(LayerDocument))]
internal sealed partial class LayerJson : JsonSerializerContext;

/// <summary>
/// Unpacked layers, each once per node whatever images share it, keyed by diff ID (the digest of
/// the uncompressed tar): &lt;root&gt;/layers/&lt;hex&gt;/diff is an overlayfs lower directory.
/// &lt;root&gt;/l/&lt;20 hex&gt; links to it, so that a mount's lowerdir list of many layers stays
/// within the one page the kernel takes for mount options. A layer appears by the rename of a
/// fully unpacked and verified directory, so one that is there is whole.
/// </summary>
internal sealed class LayerStore(string root, ContentStore content)
{
    private const string DiffDir = "diff";
    private const string DocumentFile = "layer.json";
    private const string UnpackPrefix = ".unpack-";
    private const int ShortNameLength = 20;

    private readonly InFlight<string> _unpacking = new();

    public string LayersDir { get; } = Path.Combine(root, "layers");

    public string LinksDir { get; } = Path.Combine(root, "l");

    public string DiffPath(Digest diffId) => Path.Combine(LayersDir, diffId.Encoded, DiffDir);

    /// <summary>The short path overlay mounts use for the layer.</summary>
    public string LinkPath(Digest diffId) => Path.Combine(LinksDir, diffId.Encoded[..ShortNameLength]);

    public LayerDocument? Read(Digest diffId)
    {
        var file = Path.Combine(LayersDir, diffId.Encoded, DocumentFile);
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(file), LayerJson.Default.LayerDocument);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public bool Exists(Digest diffId) => Directory.Exists(Path.Combine(LayersDir, diffId.Encoded));

    /// <summary>
    /// Unpacks the layer blob <paramref name="blob"/> unless the layer is here already; concurrent
    /// calls for one diff ID share one unpacking.
    /// </summary>
    /// <exception cref="LayerRejectedException">The tar is unsafe; nothing of it is left.</exception>
    /// <exception cref="BlobVerificationException">The uncompressed tar does not hash to <paramref name="diffId"/>.</exception>
    public async Task<LayerDocument> EnsureAsync(Digest diffId, Digest blob, CancellationToken ct)
    {
        if (Read(diffId) is { } existing)
        {
            EnsureLink(diffId);
            return existing;
        }

        await _unpacking.RunAsync(diffId.Encoded, token => UnpackAsync(diffId, blob, token), ct);
        return Read(diffId) ?? throw new InvalidOperationException($"layer {diffId} vanished right after it was unpacked");
    }

    /// <summary>Every layer directory's diff ID.</summary>
    public IEnumerable<Digest> List()
    {
        if (!Directory.Exists(LayersDir))
        {
            yield break;
        }

        foreach (var dir in Directory.EnumerateDirectories(LayersDir))
        {
            var name = Path.GetFileName(dir);
            if (Digest.TryParse($"{Digest.Sha256}:{name}", out var digest) || Digest.TryParse($"{Digest.Sha512}:{name}", out digest))
            {
                yield return digest;
            }
        }
    }

    /// <summary>Renames a layer and its link out of sight; the caller deletes the returned directory.</summary>
    /// <returns>Null when the layer was not there.</returns>
    public string? MoveToTrash(Digest diffId, string trashDir)
    {
        var link = LinkPath(diffId);
        if (FileNodes.LStat(link).Type == UnixFileType.Symlink)
        {
            File.Delete(link);
        }

        var dir = Path.Combine(LayersDir, diffId.Encoded);
        if (!Directory.Exists(dir))
        {
            return null;
        }

        Directory.CreateDirectory(trashDir);
        var trash = Path.Combine(trashDir, Guid.NewGuid().ToString("N"));
        Directory.Move(dir, trash);
        return trash;
    }

    /// <summary>Directories that unpacking left when the process died.</summary>
    public IEnumerable<string> Leftovers() =>
        Directory.Exists(LayersDir)
            ? Directory.EnumerateDirectories(LayersDir, UnpackPrefix + "*")
            : [];

    /// <summary>The blob's bytes as a tar stream: gzip and zstd are recognised by their magic numbers.</summary>
    internal static Stream Decompress(FileStream blob)
    {
        Span<byte> magic = stackalloc byte[4];
        var read = blob.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        blob.Position = 0;
        if (read >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        {
            return new GZipStream(blob, CompressionMode.Decompress);
        }

        if (read == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
        {
            return new DecompressionStream(blob);
        }

        return blob;
    }

    private async Task UnpackAsync(Digest diffId, Digest blob, CancellationToken ct)
    {
        if (Read(diffId) is not null)
        {
            EnsureLink(diffId);
            return;
        }

        Directory.CreateDirectory(LayersDir);
        var staging = Path.Combine(LayersDir, UnpackPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            var diff = Path.Combine(staging, DiffDir);
            Directory.CreateDirectory(diff);
            LayerStats stats;
            using (var hash = diffId.NewHash())
            {
                await using var file = content.OpenRead(blob);
                await using var tar = new HashingStream(Decompress(file), hash);
                try
                {
                    stats = await LayerUnpacker.UnpackAsync(tar, diff, ct);
                }
                catch (InvalidDataException e)
                {
                    throw new InvalidDataException($"layer {blob}: {e.Message}", e);
                }

                var actual = diffId.Finish(hash);
                if (actual != diffId)
                {
                    throw new BlobVerificationException($"layer {blob} unpacks to content with diff ID {actual}, not the {diffId} its image config says");
                }
            }

            var document = new LayerDocument(diffId.ToString(), stats.RegularBytes, DateTimeOffset.UtcNow);
            await AtomicFile.WriteAsync(Path.Combine(staging, DocumentFile), JsonSerializer.SerializeToUtf8Bytes(document, LayerJson.Default.LayerDocument), ct);
            Directory.Move(staging, Path.Combine(LayersDir, diffId.Encoded));
            EnsureLink(diffId);
        }
        catch
        {
            DeleteQuietly(staging);
            throw;
        }
    }

    private void EnsureLink(Digest diffId)
    {
        var link = LinkPath(diffId);
        var target = Path.Combine("..", "layers", diffId.Encoded, DiffDir);
        var existing = new FileInfo(link);
        if (existing.LinkTarget is { } current)
        {
            if (current == target)
            {
                return;
            }

            // 80 bits of a sha256 in common: not going to happen, but never mount the wrong layer.
            throw new InvalidOperationException($"{link} already names layer {current}; cannot link {diffId}");
        }

        Directory.CreateDirectory(LinksDir);
        try
        {
            File.CreateSymbolicLink(link, target);
        }
        catch (IOException) when (new FileInfo(link).LinkTarget == target)
        {
            // Made meanwhile by an unpacking of the same layer.
        }
    }

    internal static void DeleteQuietly(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Cleanup after a failure must not hide the failure; the leftover has a dot name that
            // the store's startup cleanup removes.
        }
    }
}

/// <summary>A read-only pass-through that hashes everything read from it.</summary>
internal sealed class HashingStream(Stream inner, System.Security.Cryptography.IncrementalHash hash) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        hash.AppendData(buffer[..read]);
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        hash.AppendData(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
