namespace Berth.Images;

/// <summary>
/// Where the runtime gets images from: an OCI content store on this node, filled by registry
/// pulls, image archives and imported root filesystems.
/// </summary>
public interface IImageStore
{
    /// <summary>
    /// Stores <paramref name="rootfsDir"/> as a new single-layer image named
    /// <paramref name="reference"/>. The name moves to the new image; the image it named before is
    /// removed once nothing names it.
    /// </summary>
    Task<ImageRecord> ImportAsync(string rootfsDir, ImageReference reference, CancellationToken ct);

    /// <summary>
    /// Pulls "name[:tag]" or "name@sha256:…" from its registry (or a mirror of it), for this node's
    /// platform when the name is a multi-platform index. Blobs and layers already here are reused;
    /// a pull that dies halfway leaves no image and resumes its partial downloads next time.
    /// </summary>
    /// <exception cref="FormatException">Not a valid reference.</exception>
    /// <exception cref="Registry.RegistryException">The registry refused, has no such image, or could not be reached.</exception>
    /// <exception cref="Layers.LayerRejectedException">A layer tries to write outside its root.</exception>
    Task<ImageRecord> PullAsync(string reference, PullOptions options, IProgress<PullProgress>? progress, CancellationToken ct);

    /// <summary>
    /// Loads every named image of an OCI image layout (a directory or a tar of one) or a
    /// <c>docker save</c> archive.
    /// </summary>
    /// <param name="name">The repository for images the archive names only by tag, and the name of
    /// images it does not name; images with full names in the archive keep them.</param>
    Task<IReadOnlyList<ImageRecord>> LoadAsync(string path, ImageReference? name, CancellationToken ct);

    /// <summary>Writes the images as an OCI image layout tar (that <c>docker load</c> reads too).</summary>
    Task SaveAsync(IReadOnlyList<string> references, string outputFile, CancellationToken ct);

    /// <summary>One record per name.</summary>
    IReadOnlyList<ImageRecord> List();

    /// <summary>
    /// By "name", "name:tag", "name@digest", a full id or a unique id prefix (at least
    /// <see cref="ImageId.MinPrefixLength"/> hex digits, "sha256:" optional); null when nothing matches.
    /// </summary>
    /// <exception cref="FormatException">Neither a valid reference nor an id.</exception>
    /// <exception cref="ArgumentException">An id prefix that matches several images.</exception>
    ImageRecord? Find(string reference);

    /// <summary>
    /// Removes a name, and the image once no name references it; an id removes the image with all
    /// its names. Whether a container still uses the image is the caller's question.
    /// </summary>
    /// <exception cref="KeyNotFoundException">Nothing matches <paramref name="reference"/>.</exception>
    Task RemoveAsync(string reference, CancellationToken ct);

    /// <summary>Records that a container is being created from image <paramref name="id"/>: LRU order for GC.</summary>
    Task MarkUsedAsync(string id, CancellationToken ct);

    /// <summary>Removes every image no container uses (per <paramref name="inUse"/>, by image id) and all unreferenced content.</summary>
    Task<GcResult> PruneAsync(Func<string, bool> inUse, CancellationToken ct);

    /// <summary>
    /// The kubelet's image garbage collection: when disk usage is at or above the policy's high
    /// threshold, removes unused images least recently used first until it is down to the low one.
    /// </summary>
    Task<GcResult> CollectAsync(ImageGcPolicy policy, Func<string, bool> inUse, CancellationToken ct);
}
