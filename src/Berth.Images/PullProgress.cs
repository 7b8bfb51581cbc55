namespace Berth.Images;

/// <summary>Where one blob of a pull is.</summary>
public enum PullStatus
{
    /// <summary>Asking the registry what the name stands for; <see cref="PullProgress.Id"/> is the reference.</summary>
    Resolving,

    /// <summary>Already in the store: neither downloaded nor unpacked again.</summary>
    Exists,

    /// <summary>Another pull is fetching the same blob; this one waits for it.</summary>
    Waiting,

    Downloading,

    /// <summary>Downloaded and verified against its digest.</summary>
    Downloaded,

    Extracting,

    /// <summary>The layer is unpacked and ready.</summary>
    Done,
}

/// <summary>One step of a pull, reported per layer.</summary>
/// <param name="Id">The layer's short digest (12 hex digits), or the reference while resolving.</param>
/// <param name="Current">Bytes downloaded so far, counting what an earlier attempt left.</param>
/// <param name="Total">The blob's size from its descriptor.</param>
public sealed record PullProgress(PullStatus Status, string Id, long Current, long Total);
