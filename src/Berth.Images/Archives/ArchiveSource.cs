using System.Formats.Tar;
using Berth.Images.Content;
using Berth.Images.Layers;

namespace Berth.Images.Archives;

/// <summary>
/// The files of an image archive, however it is packed: an OCI image layout or a docker save
/// archive, as a directory or a tar (gzip-compressed or not). Small JSON documents are read as
/// bytes; everything else goes into the content store by digest.
/// </summary>
internal abstract class ArchiveSource(ContentStore content, Action<Digest> hold)
{
    /// <summary>A directory or a tar file.</summary>
    public static async Task<ArchiveSource> OpenAsync(string path, ContentStore content, Action<Digest> hold, CancellationToken ct)
    {
        if (Directory.Exists(path))
        {
            return new DirectorySource(Path.GetFullPath(path), content, hold);
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"no image archive or layout at {path}", path);
        }

        return await TarSource.ReadAsync(path, content, hold, ct);
    }

    public abstract string Describe { get; }

    /// <summary>A JSON document of the archive; null when it has none by that name.</summary>
    public abstract Task<byte[]?> ReadSmallAsync(string name, CancellationToken ct);

    /// <summary>Puts the named file into the content store, verified against <paramref name="expected"/> when given.</summary>
    /// <exception cref="FileNotFoundException">The archive has no such file.</exception>
    public abstract Task<Digest> IngestAsync(string name, Digest? expected, CancellationToken ct);

    /// <summary>
    /// Makes sure the blob of a descriptor (blobs/&lt;alg&gt;/&lt;hex&gt; in a layout) is in the content
    /// store, held for the load either way.
    /// </summary>
    public async Task IngestBlobIfMissingAsync(Digest digest, CancellationToken ct)
    {
        hold(digest);
        if (!content.Exists(digest))
        {
            await IngestAsync($"blobs/{digest.Algorithm}/{digest.Encoded}", digest, ct);
        }
    }

    protected ContentStore Content => content;

    protected void Hold(Digest digest) => hold(digest);

    /// <summary>"./a//b" → "a/b"; null for names that could not be inside the archive.</summary>
    protected static string? Normalize(string name)
    {
        var parts = name.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();
        return name.StartsWith('/') || parts.Length == 0 || parts.Contains("..") ? null : string.Join('/', parts);
    }

    private sealed class DirectorySource(string root, ContentStore content, Action<Digest> hold) : ArchiveSource(content, hold)
    {
        public override string Describe => root;

        public override async Task<byte[]?> ReadSmallAsync(string name, CancellationToken ct)
        {
            var path = PathOf(name);
            return path is not null && File.Exists(path) ? await File.ReadAllBytesAsync(path, ct) : null;
        }

        public override async Task<Digest> IngestAsync(string name, Digest? expected, CancellationToken ct)
        {
            var path = PathOf(name);
            if (path is null || !File.Exists(path))
            {
                throw new FileNotFoundException($"{root} has no {name}", name);
            }

            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            if (expected is not null)
            {
                Hold(expected);
                await Content.IngestAsync(file, expected, file.Length, ct);
                return expected;
            }

            var (digest, _) = await Content.IngestAsync(file, Hold, ct);
            return digest;
        }

        private string? PathOf(string name) => Normalize(name) is { } relative ? Path.Combine(root, relative) : null;
    }

    /// <summary>
    /// One pass over the tar, since an archive's entries come in any order: documents are kept,
    /// every other file is stored as a blob at once and found later by its name.
    /// </summary>
    private sealed class TarSource(string path, ContentStore content, Action<Digest> hold) : ArchiveSource(content, hold)
    {
        private const long SmallLimit = 16 << 20;

        private readonly Dictionary<string, byte[]> _small = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Digest> _blobs = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _links = new(StringComparer.Ordinal);

        public override string Describe => path;

        public static async Task<TarSource> ReadAsync(string path, ContentStore content, Action<Digest> hold, CancellationToken ct)
        {
            var source = new TarSource(path, content, hold);
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            await using var stream = LayerStore.Decompress(file);
            await using var reader = new TarReader(stream, leaveOpen: true);
            while (true)
            {
                TarEntry? entry;
                try
                {
                    entry = await reader.GetNextEntryAsync(copyData: false, ct);
                }
                catch (Exception e) when (e is FormatException or InvalidDataException or EndOfStreamException)
                {
                    throw new InvalidDataException($"{path} is not an image archive (a tar of an OCI layout or of docker save): {e.Message}", e);
                }

                if (entry is null)
                {
                    break;
                }

                if (Normalize(entry.Name) is not { } name)
                {
                    continue;
                }

                switch (entry.EntryType)
                {
                    case TarEntryType.SymbolicLink:
                        // docker save links a layer.tar it already wrote: "../<id>/layer.tar".
                        var directory = name.Contains('/') ? name[..name.LastIndexOf('/')] + "/" : "";
                        source._links[name] = Collapse(entry.LinkName.StartsWith('/') ? entry.LinkName : directory + entry.LinkName);

                        break;
                    case TarEntryType.HardLink:
                        if (Normalize(entry.LinkName) is { } target)
                        {
                            source._links[name] = target;
                        }

                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                        await source.KeepAsync(name, entry, ct);
                        break;
                }
            }

            return source;
        }

        public override Task<byte[]?> ReadSmallAsync(string name, CancellationToken ct) =>
            Task.FromResult(Resolve(name) is { } resolved && _small.TryGetValue(resolved, out var bytes) ? bytes : null);

        public override async Task<Digest> IngestAsync(string name, Digest? expected, CancellationToken ct)
        {
            var resolved = Resolve(name) ?? throw new FileNotFoundException($"{path} has no {name}", name);
            if (_blobs.TryGetValue(resolved, out var digest))
            {
                return expected is null || digest == expected
                    ? digest
                    : throw new BlobVerificationException($"{path}: {name} has digest {digest}, not {expected}");
            }

            throw new FileNotFoundException($"{path} has no {name}", name);
        }

        /// <summary>
        /// Every file becomes a blob (a docker save config is "&lt;hex&gt;.json", a document and a blob
        /// at once); documents are also kept as bytes. Blobs nothing references are collected later.
        /// </summary>
        private async Task KeepAsync(string name, TarEntry entry, CancellationToken ct)
        {
            var data = entry.DataStream ?? Stream.Null;
            var isDocument = name.EndsWith(".json", StringComparison.Ordinal) || name is "oci-layout" or "repositories";
            if (isDocument && entry.Length <= SmallLimit)
            {
                var bytes = new byte[entry.Length];
                await data.ReadExactlyAsync(bytes, ct);
                _small[name] = bytes;
                data = new MemoryStream(bytes);
            }

            var parts = name.Split('/');
            if (parts.Length == 3 && parts[0] == "blobs" && Digest.TryParse($"{parts[1]}:{parts[2]}", out var expected))
            {
                Hold(expected);
                await Content.IngestAsync(data, expected, entry.Length, ct);
                _blobs[name] = expected;
                return;
            }

            var (digest, _) = await Content.IngestAsync(data, Hold, ct);
            _blobs[name] = digest;
        }

        /// <summary>Follows links (a few hops at most) to the entry that has the bytes.</summary>
        private string? Resolve(string name)
        {
            var current = Normalize(name);
            for (var hops = 0; current is not null && hops < 8; hops++)
            {
                if (_small.ContainsKey(current) || _blobs.ContainsKey(current))
                {
                    return current;
                }

                current = _links.GetValueOrDefault(current);
            }

            return null;
        }

        /// <summary>"a/b/../c" → "a/c": link targets are relative to the link's directory; only names in this archive are ever looked up.</summary>
        private static string Collapse(string name)
        {
            var stack = new List<string>();
            foreach (var part in name.Split('/'))
            {
                if (part == ".." && stack.Count > 0)
                {
                    stack.RemoveAt(stack.Count - 1);
                }
                else if (part is not ("." or ".."))
                {
                    stack.Add(part);
                }
            }

            return string.Join('/', stack);
        }
    }
}
