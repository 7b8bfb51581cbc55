namespace Berth.Images.Store;

/// <summary>
/// Removing images and the content nothing references any more: prune, the kubelet-style
/// garbage collection by disk usage, and the cleanup of what crashes leave.
/// </summary>
internal sealed class ImageCollector(string root, ImageIndex index, ContentSweeper sweeper)
{
    public async Task<GcResult> PruneAsync(Func<string, bool> inUse, CancellationToken ct)
    {
        var ids = new List<string>();
        var names = new List<string>();
        var freed = await index.ChangeAsync(
            entries =>
            {
                foreach (var (key, entry) in entries.Where(e => !inUse(e.Value.Id)).ToList())
                {
                    entries.Remove(key);
                    names.Add(key);
                    if (!ids.Contains(entry.Id))
                    {
                        ids.Add(entry.Id);
                    }
                }
            },
            ct);
        freed += sweeper.DeleteStalePartials(TimeSpan.Zero);
        return new GcResult(ids, names, freed, UsageBefore: null);
    }

    public async Task<GcResult> CollectAsync(ImageGcPolicy policy, Func<string, bool> inUse, CancellationToken ct)
    {
        policy.Validate();
        var usage = (policy.Usage ?? (() => DiskUsage.Of(root)))();
        var now = DateTimeOffset.UtcNow;

        // One candidate per image, however many names it has; never one a container uses.
        var candidates = index.List()
            .GroupBy(image => image.Id)
            .Select(group => (Id: group.Key, LastUsed: group.Max(i => i.LastUsed ?? i.Added)))
            .Where(c => !inUse(c.Id))
            .OrderBy(c => c.LastUsed)
            .ToList();

        var removed = new List<string>();
        var names = new List<string>();
        long freed = 0;
        if (policy.MaximumAge is { } maximumAge)
        {
            foreach (var candidate in candidates.Where(c => now - c.LastUsed > maximumAge))
            {
                freed += await RemoveImageAsync(candidate.Id, names, ct);
                removed.Add(candidate.Id);
            }
        }

        // The kubelet's rule: above the high threshold, free enough to get down to the low one.
        if (policy.HighThresholdPercent < 100 && usage.UsedPercent >= policy.HighThresholdPercent)
        {
            var toFree = (usage.Capacity * (100 - policy.LowThresholdPercent) / 100) - usage.Available;
            foreach (var candidate in candidates.Where(c => !removed.Contains(c.Id)))
            {
                if (freed >= toFree)
                {
                    break;
                }

                if (now - candidate.LastUsed < policy.MinimumAge)
                {
                    continue;
                }

                freed += await RemoveImageAsync(candidate.Id, names, ct);
                removed.Add(candidate.Id);
            }
        }

        return new GcResult(removed, names, freed, usage);
    }

    /// <summary>
    /// Deletes what crashes leave: half-unpacked layers, trash not yet deleted, stray temp files.
    /// Partial downloads stay: the next pull of their image resumes them. Meant for startup,
    /// before another operation could be using the store.
    /// </summary>
    public async Task CollectGarbageAsync(CancellationToken ct)
    {
        if (!Directory.Exists(root))
        {
            return;
        }

        await index.UnderLockAsync(sweeper.DeleteLeftoversLocked, ct);
    }

    /// <summary>Removes every name of image <paramref name="id"/>; returns the bytes that freed.</summary>
    private Task<long> RemoveImageAsync(string id, List<string> names, CancellationToken ct) =>
        index.ChangeAsync(
            entries =>
            {
                foreach (var key in entries.Where(e => e.Value.Id == id).Select(e => e.Key).ToList())
                {
                    entries.Remove(key);
                    names.Add(key);
                }
            },
            ct);
}
