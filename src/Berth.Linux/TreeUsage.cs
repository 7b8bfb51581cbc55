namespace Berth.Linux;

/// <summary>Bytes and inodes a directory tree holds.</summary>
public sealed record TreeUsage(ulong Bytes, ulong Inodes)
{
    public static readonly TreeUsage Empty = new(0, 0);

    /// <summary>
    /// Walks the tree without following symlinks. Bytes are the regular files' sizes; inodes
    /// count every entry and the root. Files that vanish during the walk are skipped: the trees
    /// measured (image stores, writable layers) change while running.
    /// </summary>
    public static TreeUsage Of(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return Empty;
        }

        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = true,
            AttributesToSkip = 0,
            ReturnSpecialDirectories = false,
        };
        ulong bytes = 0;
        ulong inodes = 1;
        try
        {
            foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos("*", options))
            {
                inodes++;
                if (entry is FileInfo { LinkTarget: null } file)
                {
                    try
                    {
                        bytes += (ulong)file.Length;
                    }
                    catch (FileNotFoundException)
                    {
                        // removed while we looked
                    }
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            // the tree went away while we looked
        }

        return new TreeUsage(bytes, inodes);
    }
}
