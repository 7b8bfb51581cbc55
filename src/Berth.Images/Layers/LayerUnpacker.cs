using System.Formats.Tar;
using System.Text;
using Berth.Linux;

namespace Berth.Images.Layers;

/// <summary>A layer that tries to write outside its root or that cannot be unpacked faithfully.</summary>
public sealed class LayerRejectedException(string entry, string reason)
    : Exception($"layer rejected: entry \"{entry}\" {reason}")
{
    /// <summary>The tar entry's name as the layer spells it.</summary>
    public string Entry { get; } = entry;
}

/// <summary>What unpacking found in a layer.</summary>
/// <param name="RegularBytes">Bytes of regular files, each hard-linked file once: the layer's size.</param>
internal sealed record LayerStats(long RegularBytes, int Entries);

/// <summary>
/// Unpacks one layer tar (an OCI "changeset") into a directory that overlayfs can stack: OCI
/// whiteouts become overlay whiteouts (character devices 0:0) and opaque directories get
/// "trusted.overlay.opaque=y". Nothing may land outside the root: a name that is absolute or
/// has "..", a write through a symlink (as the final name or as any parent), a hard link whose
/// target is outside, or a whiteout there, rejects the whole layer. Every path is checked
/// component by component with lstat; that is enough because only this unpacker writes into the
/// (fresh, private) root while it runs, so nothing can swap a directory for a link behind it.
/// </summary>
internal static class LayerUnpacker
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueWhiteout = ".wh..wh..opq";

    private const UnixFileMode ImplicitDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <param name="tar">The uncompressed layer; read to its very end, so a hash around it sees every byte.</param>
    /// <param name="root">An existing, empty directory only this call writes into.</param>
    /// <exception cref="LayerRejectedException">An entry is unsafe or unsupported; the caller deletes <paramref name="root"/>.</exception>
    public static async Task<LayerStats> UnpackAsync(Stream tar, string root, CancellationToken ct)
    {
        var owners = Environment.IsPrivilegedProcess;
        var directories = new List<(string Path, TarEntry Entry)>();
        long bytes = 0;
        var entries = 0;
        await using (var reader = new TarReader(tar, leaveOpen: true))
        {
            while (await NextAsync(reader, ct) is { } entry)
            {
                ct.ThrowIfCancellationRequested();
                entries++;
                if (entry.EntryType is TarEntryType.GlobalExtendedAttributes)
                {
                    continue;
                }

                var parts = Components(entry.Name);
                var name = parts.Length == 0 ? "" : parts[^1];
                if (name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
                {
                    await WhiteoutAsync(root, parts, entry.Name, ct);
                    continue;
                }

                var path = parts.Length == 0 ? root : Path.Combine(root, EnsureParents(root, parts, entry.Name), name);
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        if (parts.Length > 0)
                        {
                            MakeDirectory(path);
                        }

                        directories.Add((path, entry));
                        ApplyOwnerAndXattrs(path, entry, owners);
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        RequireName(parts, entry);
                        Replace(path);
                        bytes += await WriteFileAsync(path, entry, ct);
                        ApplyOwnerAndXattrs(path, entry, owners);
                        File.SetUnixFileMode(path, entry.Mode);
                        SetTime(path, entry);
                        break;
                    case TarEntryType.SymbolicLink:
                        RequireName(parts, entry);
                        if (entry.LinkName.Length == 0)
                        {
                            throw new LayerRejectedException(entry.Name, "is a symlink without a target");
                        }

                        Replace(path);
                        File.CreateSymbolicLink(path, entry.LinkName);
                        ApplyOwnerAndXattrs(path, entry, owners);
                        SetTime(path, entry);
                        break;
                    case TarEntryType.HardLink:
                        RequireName(parts, entry);
                        HardLink(root, path, entry);
                        break;
                    case TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo:
                        RequireName(parts, entry);
                        Replace(path);
                        await MakeNodeAsync(path, entry, ct);
                        ApplyOwnerAndXattrs(path, entry, owners);
                        File.SetUnixFileMode(path, entry.Mode);
                        SetTime(path, entry);
                        break;
                    default:
                        throw new LayerRejectedException(entry.Name, $"has an unsupported type ({entry.EntryType})");
                }
            }
        }

        // Last, and deepest first, so that creating children no longer changes them; a directory
        // without write permission is also only made so after everything inside it exists.
        foreach (var (path, entry) in directories.OrderByDescending(d => d.Path.Length))
        {
            File.SetUnixFileMode(path, entry.Mode);
            SetTime(path, entry);
        }

        // Trailing blocks after the end-of-archive marker still belong to the diff ID.
        await tar.CopyToAsync(Stream.Null, ct);
        return new LayerStats(bytes, entries);
    }

    /// <summary>The name's components, "./" and empty ones dropped.</summary>
    /// <exception cref="LayerRejectedException">Absolute, or with a ".." component.</exception>
    internal static string[] Components(string name)
    {
        if (name.StartsWith('/'))
        {
            throw new LayerRejectedException(name, "has an absolute path");
        }

        if (name.Contains('\0', StringComparison.Ordinal))
        {
            throw new LayerRejectedException(name, "has a NUL byte in its name");
        }

        var parts = name.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();
        if (parts.Contains(".."))
        {
            throw new LayerRejectedException(name, "has a \"..\" component, which could leave the layer");
        }

        return parts;
    }

    private static async Task<TarEntry?> NextAsync(TarReader reader, CancellationToken ct)
    {
        try
        {
            return await reader.GetNextEntryAsync(copyData: false, ct);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or EndOfStreamException)
        {
            throw new InvalidDataException($"layer is not a valid tar archive: {e.Message}", e);
        }
    }

    private static void RequireName(string[] parts, TarEntry entry)
    {
        if (parts.Length == 0)
        {
            throw new LayerRejectedException(entry.Name, $"would replace the layer's root with a {entry.EntryType}");
        }
    }

    /// <summary>
    /// Walks the parents of <paramref name="parts"/>' last component from the root, creating missing
    /// directories; every existing one must be a real directory, never a symlink.
    /// </summary>
    /// <returns>The parents as a relative path.</returns>
    private static string EnsureParents(string root, string[] parts, string entryName)
    {
        var current = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            current = Path.Combine(current, parts[i]);
            switch (FileNodes.LStat(current).Type)
            {
                case UnixFileType.Directory:
                    break;
                case UnixFileType.Missing:
                    Directory.CreateDirectory(current, ImplicitDirectoryMode);
                    break;
                case UnixFileType.CharacterDevice when FileNodes.LStat(current).IsWhiteout:
                    ReplaceWhiteoutWithDirectory(current);
                    break;
                case UnixFileType.Symlink:
                    throw new LayerRejectedException(entryName, $"goes through the symlink \"{string.Join('/', parts[..(i + 1)])}\", which could point outside the layer");
                default:
                    throw new LayerRejectedException(entryName, $"has the non-directory \"{string.Join('/', parts[..(i + 1)])}\" as a parent");
            }
        }

        return string.Join('/', parts[..^1]);
    }

    /// <summary>Removes whatever an earlier entry left at the path, without following it.</summary>
    private static void Replace(string path)
    {
        switch (FileNodes.LStat(path).Type)
        {
            case UnixFileType.Missing:
                return;
            case UnixFileType.Directory:
                Directory.Delete(path, recursive: true);
                return;
            default:
                File.Delete(path);
                return;
        }
    }

    private static void MakeDirectory(string path)
    {
        var status = FileNodes.LStat(path);
        var type = status.Type;
        if (type == UnixFileType.Directory)
        {
            return;
        }

        if (status.IsWhiteout)
        {
            ReplaceWhiteoutWithDirectory(path);
            return;
        }

        if (type != UnixFileType.Missing)
        {
            File.Delete(path);
        }

        Directory.CreateDirectory(path, ImplicitDirectoryMode);
    }

    /// <summary>
    /// A layer that whites out a directory and then puts a new one there: in overlay terms that is
    /// an opaque directory, which shows this layer's content and none of the lower ones'.
    /// </summary>
    private static void ReplaceWhiteoutWithDirectory(string path)
    {
        File.Delete(path);
        Directory.CreateDirectory(path, ImplicitDirectoryMode);
        FileNodes.LSetXattr(path, FileNodes.OverlayOpaque, "y"u8.ToArray());
    }

    private static async Task<long> WriteFileAsync(string path, TarEntry entry, CancellationToken ct)
    {
        // CreateNew is O_CREAT|O_EXCL, which never follows a symlink at the final name; Replace
        // already removed whatever was there.
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            Options = FileOptions.Asynchronous,
            PreallocationSize = entry.Length,
        };
        await using var file = new FileStream(path, options);
        if (entry.DataStream is { } data)
        {
            await data.CopyToAsync(file, ct);
        }

        return entry.Length;
    }

    private static void HardLink(string root, string path, TarEntry entry)
    {
        if (entry.LinkName.Length == 0)
        {
            throw new LayerRejectedException(entry.Name, "is a hard link without a target");
        }

        string[] target;
        try
        {
            target = Components(entry.LinkName);
        }
        catch (LayerRejectedException e)
        {
            throw new LayerRejectedException(entry.Name, $"is a hard link to \"{entry.LinkName}\", outside the layer ({e.Message})");
        }

        if (target.Length == 0)
        {
            throw new LayerRejectedException(entry.Name, "is a hard link to the layer's root");
        }

        // The target's parents must be real directories of this layer: link(2) resolves them.
        var current = root;
        for (var i = 0; i < target.Length - 1; i++)
        {
            current = Path.Combine(current, target[i]);
            if (FileNodes.LStat(current).Type != UnixFileType.Directory)
            {
                throw new LayerRejectedException(entry.Name, $"is a hard link to \"{entry.LinkName}\" through \"{string.Join('/', target[..(i + 1)])}\", which is not a directory of this layer");
            }
        }

        var targetPath = Path.Combine(current, target[^1]);
        var status = FileNodes.LStat(targetPath);
        if (status.Type is UnixFileType.Missing or UnixFileType.Directory)
        {
            throw new LayerRejectedException(entry.Name, $"is a hard link to \"{entry.LinkName}\", which is not a file earlier in this layer");
        }

        if (targetPath == path)
        {
            return;
        }

        Replace(path);
        FileNodes.Link(targetPath, path);
    }

    private static async Task MakeNodeAsync(string path, TarEntry entry, CancellationToken ct)
    {
        var mode = Convert.ToString((int)entry.Mode, 8);
        if (entry.EntryType == TarEntryType.Fifo)
        {
            await CommandRunner.RunAsync("mkfifo", ["-m", mode, "--", path], ct);
            return;
        }

        var device = (PosixTarEntry)entry;
        var kind = entry.EntryType == TarEntryType.CharacterDevice ? "c" : "b";
        await CommandRunner.RunAsync("mknod", ["-m", mode, "--", path, kind, device.DeviceMajor.ToString(System.Globalization.CultureInfo.InvariantCulture), device.DeviceMinor.ToString(System.Globalization.CultureInfo.InvariantCulture)], ct);
    }

    /// <summary>
    /// ".wh.NAME" hides NAME of lower layers; ".wh..wh..opq" hides everything lower in its
    /// directory. What this layer itself puts there stays visible, as the image spec says.
    /// </summary>
    private static async Task WhiteoutAsync(string root, string[] parts, string entryName, CancellationToken ct)
    {
        var parents = EnsureParents(root, parts, entryName);
        var directory = Path.Combine(root, parents);
        var name = parts[^1];
        if (name == OpaqueWhiteout)
        {
            if (!FileNodes.LSetXattr(directory, FileNodes.OverlayOpaque, "y"u8.ToArray()))
            {
                throw new LayerRejectedException(entryName, $"is an opaque whiteout, but {directory} cannot carry the {FileNodes.OverlayOpaque} attribute");
            }

            return;
        }

        if (name.StartsWith(WhiteoutPrefix + WhiteoutPrefix, StringComparison.Ordinal))
        {
            // AUFS's own bookkeeping (.wh..wh.plnk, .wh..wh.aufs): nothing to hide.
            return;
        }

        var hidden = name[WhiteoutPrefix.Length..];
        if (hidden is "" or "." or "..")
        {
            throw new LayerRejectedException(entryName, "is a whiteout of no file in its directory");
        }

        var path = Path.Combine(directory, hidden);
        if (FileNodes.LStat(path).Type != UnixFileType.Missing)
        {
            return;
        }

        await CommandRunner.RunAsync("mknod", ["-m", "000", "--", path, "c", "0", "0"], ct);
    }

    private static void ApplyOwnerAndXattrs(string path, TarEntry entry, bool owners)
    {
        if (owners)
        {
            FileNodes.LChown(path, entry.Uid, entry.Gid);
        }

        if (entry is not PaxTarEntry pax)
        {
            return;
        }

        foreach (var (key, value) in pax.ExtendedAttributes)
        {
            byte[]? bytes = null;
            string? attribute = null;
            if (key.StartsWith("SCHILY.xattr.", StringComparison.Ordinal))
            {
                attribute = key["SCHILY.xattr.".Length..];

                // TarReader hands PAX values over as UTF-8 text; a value that was not valid UTF-8
                // (binary, like most security.capability values) cannot be recovered from it.
                bytes = value.Contains('\uFFFD', StringComparison.Ordinal) ? null : Encoding.UTF8.GetBytes(value);
            }
            else if (key.StartsWith("LIBARCHIVE.xattr.", StringComparison.Ordinal))
            {
                attribute = Uri.UnescapeDataString(key["LIBARCHIVE.xattr.".Length..]);
                bytes = Convert.FromBase64String(value.PadRight((value.Length + 3) / 4 * 4, '='));
            }

            // overlayfs's own attributes would let a layer forge whiteouts and opaque directories.
            if (attribute is null || bytes is null || attribute.StartsWith("trusted.overlay.", StringComparison.Ordinal))
            {
                continue;
            }

            if (!owners && !attribute.StartsWith("user.", StringComparison.Ordinal))
            {
                continue;
            }

            FileNodes.LSetXattr(path, attribute, bytes);
        }
    }

    private static void SetTime(string path, TarEntry entry) => FileNodes.SetTimes(path, entry.ModificationTime, entry.ModificationTime);
}
