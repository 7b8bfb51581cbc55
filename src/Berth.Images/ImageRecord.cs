namespace Berth.Images;

/// <summary>One named image in a store: a row of "berth image ls".</summary>
/// <param name="Id">The config digest's hex, as docker shows image ids.</param>
/// <param name="Created">When the image was built (its config's "created"), else when it was stored.</param>
/// <param name="Size">Bytes of the regular files of all its layers, unpacked.</param>
/// <param name="Layers">The unpacked layer directories, lowest first; shared with every other
/// image that has the same layer.</param>
public sealed record ImageRecord(
    string Id,
    ImageReference Reference,
    DateTimeOffset Created,
    long Size,
    IReadOnlyList<string> Layers,
    ImageConfig Config)
{
    /// <summary>The digest of the image's manifest in this store.</summary>
    public Digest? ManifestDigest { get; init; }

    /// <summary>"repository@digest" as a registry knows it: what "name@digest" pulls this image again
    /// (the index's digest for a multi-platform image).</summary>
    public string? RepoDigest { get; init; }

    /// <summary>How this name came here: only a pulled name has a registry to pull it from again.</summary>
    public ImageOrigin Origin { get; init; } = ImageOrigin.Pulled;

    public string Os { get; init; } = "linux";

    public string Architecture { get; init; } = "";

    /// <summary>When the store first had this image: the age garbage collection protects.</summary>
    public DateTimeOffset Added { get; init; }

    /// <summary>When a container last started from it (<see cref="IImageStore.MarkUsedAsync"/>).</summary>
    public DateTimeOffset? LastUsed { get; init; }

    /// <summary>
    /// The layers as overlayfs wants its lowerdir option: colon-joined, TOP layer first. The paths are
    /// short links to <see cref="Layers"/>, so the option stays under the kernel's one-page limit for
    /// images with many layers.
    /// </summary>
    public string OverlayLowerDir { get; init; } = "";

    /// <summary>
    /// Kept for the runtime until it mounts <see cref="OverlayLowerDir"/> by that name: the same
    /// colon-joined list, which for a single-layer image is the one directory holding the whole
    /// root filesystem.
    /// </summary>
    public string RootfsPath => OverlayLowerDir;
}

/// <summary>How an image name came into the store.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ImageOrigin>))]
public enum ImageOrigin
{
    /// <summary>From a registry (or one of its mirrors).</summary>
    Pulled,

    /// <summary>From a root file system directory on this node.</summary>
    Imported,

    /// <summary>From an OCI layout or docker save archive.</summary>
    Loaded,
}
