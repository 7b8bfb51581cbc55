namespace Berth.Images;

/// <summary>
/// When to collect images and how much, as the kubelet's image garbage collector decides it: above
/// <see cref="HighThresholdPercent"/> of the image file system in use, remove unused images, least
/// recently used first, until usage is down to <see cref="LowThresholdPercent"/>.
/// </summary>
/// <param name="HighThresholdPercent">imageGCHighThresholdPercent (kubelet default 85); 100 turns collection off.</param>
/// <param name="LowThresholdPercent">imageGCLowThresholdPercent (kubelet default 80).</param>
public sealed record ImageGcPolicy(int HighThresholdPercent = 85, int LowThresholdPercent = 80)
{
    /// <summary>imageMinimumGCAge: an image used or added more recently is never collected.</summary>
    public TimeSpan MinimumAge { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>imageMaximumGCAge: an image unused for longer goes whatever the disk usage; null for never.</summary>
    public TimeSpan? MaximumAge { get; init; }

    /// <summary>How full the image file system is; null asks the file system holding the store (statvfs).</summary>
    public Func<DiskUsage>? Usage { get; init; }

    /// <exception cref="ArgumentException">The thresholds are outside 0..100 or low is above high.</exception>
    public void Validate()
    {
        if (HighThresholdPercent is < 0 or > 100 || LowThresholdPercent is < 0 or > 100 || LowThresholdPercent > HighThresholdPercent)
        {
            throw new ArgumentException($"image GC thresholds must satisfy 0 <= low ({LowThresholdPercent}) <= high ({HighThresholdPercent}) <= 100");
        }
    }
}

/// <summary>Capacity and free space of a file system, in bytes.</summary>
public sealed record DiskUsage(long Capacity, long Available)
{
    public int UsedPercent => Capacity <= 0 ? 0 : (int)((Capacity - Available) * 100 / Capacity);

    /// <summary>statvfs of the file system holding <paramref name="path"/> (its nearest existing ancestor).</summary>
    public static DiskUsage Of(string path)
    {
        var existing = path;
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
        {
            existing = parent;
        }

        var drive = new DriveInfo(existing);
        return new DiskUsage(drive.TotalSize, drive.AvailableFreeSpace);
    }
}

/// <summary>What a collection or prune removed.</summary>
/// <param name="RemovedImages">Ids of the images removed (every name of each).</param>
/// <param name="BytesFreed">Bytes of blobs and unpacked layers deleted.</param>
/// <param name="UsageBefore">The file system's usage that decided the collection; null for a prune.</param>
public sealed record GcResult(IReadOnlyList<string> RemovedImages, IReadOnlyList<string> RemovedNames, long BytesFreed, DiskUsage? UsageBefore);
