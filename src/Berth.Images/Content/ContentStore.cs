using System.Security.Cryptography;
using Berth.Linux;

namespace Berth.Images.Content;

/// <summary>
/// Blobs by digest under &lt;root&gt;/blobs/&lt;algorithm&gt;/&lt;hex&gt;, the layout of an OCI image
/// layout. A blob appears there only by a rename after its bytes were verified against its digest
/// and size, so whatever is there is trusted; downloads in progress live in &lt;root&gt;/ingest as
/// "&lt;algorithm&gt;-&lt;hex&gt;.partial" and survive a crash to be resumed.
/// </summary>
internal sealed class ContentStore(string root)
{
    public const string PartialSuffix = ".partial";

    public string BlobsDir { get; } = Path.Combine(root, "blobs");

    public string IngestDir { get; } = Path.Combine(root, "ingest");

    public string BlobPath(Digest digest) => Path.Combine(BlobsDir, digest.Algorithm, digest.Encoded);

    public string PartialPath(Digest digest) => Path.Combine(IngestDir, $"{digest.Algorithm}-{digest.Encoded}{PartialSuffix}");

    public bool Exists(Digest digest) => File.Exists(BlobPath(digest));

    /// <summary>-1 when the blob is not here.</summary>
    public long SizeOf(Digest digest)
    {
        var file = new FileInfo(BlobPath(digest));
        return file.Exists ? file.Length : -1;
    }

    public FileStream OpenRead(Digest digest) =>
        new(BlobPath(digest), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);

    /// <summary>A small blob (a manifest, a config) whole.</summary>
    /// <exception cref="InvalidDataException">It is larger than <paramref name="limit"/>.</exception>
    public async Task<byte[]> ReadAllAsync(Digest digest, long limit, CancellationToken ct)
    {
        var size = SizeOf(digest);
        if (size < 0)
        {
            throw new FileNotFoundException($"blob {digest} is not in the store", BlobPath(digest));
        }

        if (size > limit)
        {
            throw new InvalidDataException($"blob {digest} is {size} bytes, more than the {limit} a manifest or config may have");
        }

        return await File.ReadAllBytesAsync(BlobPath(digest), ct);
    }

    /// <summary>Stores bytes already in memory under their own sha256 digest.</summary>
    /// <param name="claim">Called with the digest before the blob becomes visible.</param>
    public async Task<Digest> WriteAsync(byte[] content, Action<Digest> claim, CancellationToken ct)
    {
        var digest = Digest.Of(content);
        claim(digest);
        await WriteAsync(digest, content, ct);
        return digest;
    }

    /// <summary>Stores bytes that must have <paramref name="expected"/> as their digest.</summary>
    /// <exception cref="BlobVerificationException">They do not.</exception>
    public async Task WriteAsync(Digest expected, byte[] content, CancellationToken ct)
    {
        if (Exists(expected))
        {
            return;
        }

        using (var hash = expected.NewHash())
        {
            hash.AppendData(content);
            if (expected.Finish(hash) is var actual && actual != expected)
            {
                throw new BlobVerificationException($"blob {expected} failed verification: its content has digest {actual}");
            }
        }

        Directory.CreateDirectory(IngestDir);
        var temp = Path.Combine(IngestDir, $".tmp-{Guid.NewGuid():N}");
        try
        {
            await AtomicFile.WriteAsync(temp, content, ct);
            Publish(temp, expected);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Copies a stream of unknown digest in, as sha256; returns its digest and size.</summary>
    /// <param name="claim">Called with the digest before the blob becomes visible.</param>
    public async Task<(Digest Digest, long Size)> IngestAsync(Stream source, Action<Digest> claim, CancellationToken ct)
    {
        Directory.CreateDirectory(IngestDir);
        var temp = Path.Combine(IngestDir, $".tmp-{Guid.NewGuid():N}");
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var size = await WriteHashingAsync(source, temp, hash, ct);

            var digest = Digest.FromSha256(hash.GetHashAndReset());
            claim(digest);
            Publish(temp, digest);
            return (digest, size);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Copies <paramref name="source"/> to a new file, durably, hashing what it writes; returns the bytes written.</summary>
    private static async Task<long> WriteHashingAsync(Stream source, string path, IncrementalHash hash, CancellationToken ct)
    {
        long written = 0;
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        var buffer = new byte[1 << 16];
        int read;
        while ((read = await source.ReadAsync(buffer, ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            await file.WriteAsync(buffer.AsMemory(0, read), ct);
            written += read;
        }

        file.Flush(flushToDisk: true);
        return written;
    }

    /// <summary>
    /// Moves a file this store may consume (it is on the store's file system) in as a blob,
    /// hashing it first: no second copy of a large layer.
    /// </summary>
    /// <param name="claim">Called with the digest before the blob becomes visible, so a caller can
    /// protect it from collection in time.</param>
    public async Task<(Digest Digest, long Size)> AdoptAsync(string file, Action<Digest> claim, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size;
        await using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true))
        {
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await stream.ReadAsync(buffer, ct)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }

            size = stream.Length;
        }

        var digest = Digest.FromSha256(hash.GetHashAndReset());
        claim(digest);
        Publish(file, digest);
        return (digest, size);
    }

    /// <summary>Copies a stream that must have digest <paramref name="expected"/> in, verifying it.</summary>
    /// <exception cref="BlobVerificationException">It does not; nothing is stored.</exception>
    public async Task IngestAsync(Stream source, Digest expected, long size, CancellationToken ct)
    {
        if (Exists(expected))
        {
            await source.CopyToAsync(Stream.Null, ct);
            return;
        }

        Directory.CreateDirectory(IngestDir);
        var temp = Path.Combine(IngestDir, $".tmp-{Guid.NewGuid():N}");
        try
        {
            using var hash = expected.NewHash();
            var written = await WriteHashingAsync(source, temp, hash, ct);

            var actual = expected.Finish(hash);
            if (size >= 0 && written != size)
            {
                throw new BlobVerificationException($"blob {expected} is truncated: got {written} of {size} bytes");
            }

            if (actual != expected)
            {
                throw new BlobVerificationException($"blob {expected} failed verification: its content has digest {actual}");
            }

            Publish(temp, expected);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Every blob in the store.</summary>
    public IEnumerable<Digest> List()
    {
        if (!Directory.Exists(BlobsDir))
        {
            yield break;
        }

        foreach (var algorithmDir in Directory.EnumerateDirectories(BlobsDir))
        {
            foreach (var file in Directory.EnumerateFiles(algorithmDir))
            {
                if (Digest.TryParse($"{Path.GetFileName(algorithmDir)}:{Path.GetFileName(file)}", out var digest))
                {
                    yield return digest;
                }
            }
        }
    }

    /// <summary>Bytes freed; 0 when it was not there.</summary>
    public long Delete(Digest digest)
    {
        var size = SizeOf(digest);
        if (size >= 0)
        {
            File.Delete(BlobPath(digest));
        }

        return Math.Max(size, 0);
    }

    /// <summary>Moves a verified file to its blob path; a blob already there is the same content.</summary>
    internal void Publish(string verifiedFile, Digest digest)
    {
        var target = BlobPath(digest);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);

        // Another writer may publish the same digest at the same moment: same bytes either way.
        File.Move(verifiedFile, target, overwrite: true);
    }
}

/// <summary>A blob failed verification: wrong digest, or fewer or more bytes than its descriptor says.</summary>
public sealed class BlobVerificationException(string message) : Exception(message);

/// <summary>
/// Writes one blob of known digest into its partial file, optionally continuing what an earlier
/// attempt left there, hashing as it goes; <see cref="CommitAsync"/> publishes it only when digest
/// and size match and otherwise deletes it.
/// </summary>
internal sealed class BlobWriter : IAsyncDisposable
{
    private readonly ContentStore _store;
    private readonly Digest _expected;
    private readonly FileStream _file;
    private readonly IncrementalHash _hash;

    private BlobWriter(ContentStore store, Digest expected, FileStream file)
    {
        _store = store;
        _expected = expected;
        _file = file;
        _hash = expected.NewHash();
    }

    public string PartialPath => _store.PartialPath(_expected);

    /// <summary>Bytes written so far, including those an earlier attempt left.</summary>
    public long Offset { get; private set; }

    /// <param name="resume">Keep what the partial file holds (after hashing it); else start empty.</param>
    public static BlobWriter Create(ContentStore store, Digest expected, bool resume)
    {
        Directory.CreateDirectory(store.IngestDir);
        var file = new FileStream(store.PartialPath(expected), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true);
        var writer = new BlobWriter(store, expected, file);
        if (!resume)
        {
            file.SetLength(0);
        }

        return writer;
    }

    /// <summary>Hashes the bytes an earlier attempt left, so the download can go on after them.</summary>
    public async Task<long> ResumeAsync(CancellationToken ct)
    {
        _file.Position = 0;
        var buffer = new byte[1 << 16];
        int read;
        while ((read = await _file.ReadAsync(buffer, ct)) > 0)
        {
            _hash.AppendData(buffer, 0, read);
        }

        Offset = _file.Position;
        return Offset;
    }

    /// <summary>Drops everything written: the server sent the whole blob instead of the rest.</summary>
    public void Restart()
    {
        _file.SetLength(0);
        _file.Position = 0;
        _hash.GetHashAndReset();
        Offset = 0;
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        _hash.AppendData(data.Span);
        await _file.WriteAsync(data, ct);
        Offset += data.Length;
    }

    /// <exception cref="BlobVerificationException">The size or digest is wrong; the partial file is gone.</exception>
    public async Task CommitAsync(long expectedSize, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var actual = _expected.Finish(_hash);
        string? problem = null;
        if (expectedSize >= 0 && Offset != expectedSize)
        {
            problem = Offset < expectedSize
                ? $"blob {_expected} is truncated: got {Offset} of {expectedSize} bytes"
                : $"blob {_expected} is {Offset} bytes, more than the {expectedSize} its descriptor says";
        }
        else if (actual != _expected)
        {
            problem = $"blob {_expected} failed verification: its content has digest {actual}";
        }

        if (problem is not null)
        {
            await _file.DisposeAsync();
            File.Delete(PartialPath);
            throw new BlobVerificationException(problem);
        }

        _file.Flush(flushToDisk: true);
        await _file.DisposeAsync();
        _store.Publish(PartialPath, _expected);
    }

    public async ValueTask DisposeAsync()
    {
        await _file.DisposeAsync();
        _hash.Dispose();
    }
}
