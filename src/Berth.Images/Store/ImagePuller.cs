using System.Net;
using Berth.Images.Content;
using Berth.Images.Layers;
using Berth.Images.Oci;
using Berth.Images.Registry;

namespace Berth.Images.Store;

/// <summary>
/// Pulling from registries: resolve the name (through mirrors first), pick this platform's
/// manifest, fetch and verify every blob once, unpack each layer once, then name the image.
/// </summary>
internal sealed class ImagePuller(ImageStoreOptions options, string root, ContentStore content, LayerStore layers, ContentLeases leases, ImageIndex index) : IDisposable
{
    private const int DownloadAttempts = 3;
    private const int ProgressStep = 256 << 10;

    private readonly Lazy<RegistryClient> _registry = new(() => new RegistryClient(options));
    private readonly SemaphoreSlim _downloads = new(Math.Max(1, options.MaxConcurrentDownloads));
    private readonly InFlight<string> _fetching = new();

    public void Dispose()
    {
        if (_registry.IsValueCreated)
        {
            _registry.Value.Dispose();
        }

        _downloads.Dispose();
    }

    public async Task<ImageRecord> PullAsync(string reference, PullOptions pull, IProgress<PullProgress>? progress, CancellationToken ct)
    {
        var name = ImageReference.Parse(reference);
        var platform = pull.Platform ?? options.Platform;
        StoreFiles.CreateRoot(root);
        var failures = new List<RegistryException>();
        var endpoints = _registry.Value.EndpointsFor(name);
        foreach (var endpoint in endpoints)
        {
            var fetcher = _registry.Value.Open(endpoint, name, pull.Credentials);
            try
            {
                return await PullFromAsync(fetcher, name, platform, progress, ct);
            }
            catch (RegistryException e) when (endpoint.IsMirror)
            {
                // A mirror that lacks the image or is down: the next one, or the registry itself.
                failures.Add(e);
            }
            catch (RegistryException e) when (failures.Count > 0)
            {
                // Offline, the registry itself is unreachable by design: what a mirror said matters more.
                var telling = e.Kind == RegistryErrorKind.Unavailable ? failures.FirstOrDefault(f => f.Kind != RegistryErrorKind.Unavailable) : null;
                throw telling is not null
                    ? new RegistryException(telling.Kind, $"pulling {name}: mirror {telling.Message} (and the registry itself: {e.Message})", telling)
                    : new RegistryException(e.Kind, $"pulling {name}: {e.Message} (after: {string.Join("; ", failures.Select(f => "mirror " + f.Message))})", e);
            }
            catch (RegistryException e)
            {
                throw new RegistryException(e.Kind, $"pulling {name}: {e.Message}", e);
            }
        }

        throw new InvalidOperationException("the registry itself is always the last endpoint");
    }

    private async Task<ImageRecord> PullFromAsync(RegistryFetcher fetcher, ImageReference name, Platform platform, IProgress<PullProgress>? progress, CancellationToken ct)
    {
        progress?.Report(new PullProgress(PullStatus.Resolving, name.ToString(), 0, 0));
        var (top, manifest) = await fetcher.ResolveAsync(name.ManifestReference, platform, ct);
        ManifestDocument document;
        try
        {
            document = ImageDocuments.ParseManifest(manifest.Content, $"{name.RemoteName}@{manifest.Digest}");
        }
        catch (InvalidDataException e)
        {
            throw new RegistryException(RegistryErrorKind.Invalid, $"{fetcher.Endpoint}: {e.Message}", e);
        }

        var configDigest = Digest.Parse(document.Config.Digest);
        var layerDigests = document.Layers.Select(l => Digest.Parse(l.Digest)).ToList();
        using var lease = leases.Hold(new[] { top.Digest, manifest.Digest, configDigest }.Concat(layerDigests).Select(ContentLeases.Blob));
        await content.WriteAsync(top.Digest, top.Content, ct);
        await content.WriteAsync(manifest.Digest, manifest.Content, ct);

        await FetchBlobAsync(fetcher, configDigest, document.Config.Size, progress: null, ct);
        var config = ImageDocuments.ParseConfig(await content.ReadAllAsync(configDigest, ImageDocuments.MaxSize, ct), configDigest);
        var diffIds = ImageDocuments.DiffIds(config, document, configDigest);
        lease.Add(diffIds.Select(ContentLeases.Layer));

        await Task.WhenAll(document.Layers.Select((layer, i) => PullLayerAsync(fetcher, layerDigests[i], layer.Size, diffIds[i], progress, ct)));
        return await index.CommitAsync(name, top.Digest, manifest.Digest, ImageOrigin.Pulled, ct);
    }

    private async Task PullLayerAsync(RegistryFetcher fetcher, Digest blob, long size, Digest diffId, IProgress<PullProgress>? progress, CancellationToken ct)
    {
        var id = blob.Encoded[..12];
        if (content.Exists(blob) && layers.Read(diffId) is not null)
        {
            progress?.Report(new PullProgress(PullStatus.Exists, id, size, size));
            return;
        }

        await FetchBlobAsync(fetcher, blob, size, progress, ct);
        progress?.Report(new PullProgress(PullStatus.Extracting, id, size, size));
        await layers.EnsureAsync(diffId, blob, ct);
        progress?.Report(new PullProgress(PullStatus.Done, id, size, size));
    }

    /// <summary>Downloads one blob unless it is here; concurrent fetches of one digest share one download.</summary>
    private async Task FetchBlobAsync(RegistryFetcher fetcher, Digest digest, long size, IProgress<PullProgress>? progress, CancellationToken ct)
    {
        if (content.Exists(digest))
        {
            return;
        }

        var started = false;
        await _fetching.RunAsync(
            digest.ToString(),
            token =>
            {
                started = true;
                return DownloadAsync(fetcher, digest, size, progress, token);
            },
            ct);
        if (!started)
        {
            // Another pull did the download; this one only waited.
            progress?.Report(new PullProgress(PullStatus.Downloaded, digest.Encoded[..12], size, size));
        }
    }

    /// <summary>
    /// Streams the blob into its partial file and publishes it once verified. What an earlier,
    /// interrupted attempt (this process or a previous one) left is kept and only the rest is
    /// asked for with an HTTP Range; a dropped connection is retried the same way.
    /// </summary>
    private async Task DownloadAsync(RegistryFetcher fetcher, Digest digest, long size, IProgress<PullProgress>? progress, CancellationToken ct)
    {
        var id = digest.Encoded[..12];
        await _downloads.WaitAsync(ct);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                if (content.Exists(digest))
                {
                    return;
                }

                await using var writer = BlobWriter.Create(content, digest, resume: true);
                var offset = await writer.ResumeAsync(ct);
                if (offset > size)
                {
                    writer.Restart();
                    offset = 0;
                }

                try
                {
                    if (offset == size && size > 0)
                    {
                        // Downloaded before a crash, never published.
                        await writer.CommitAsync(size, ct);
                        return;
                    }

                    progress?.Report(new PullProgress(PullStatus.Downloading, id, offset, size));
                    using var response = await fetcher.GetBlobAsync(digest, offset, ct);
                    if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
                    {
                        writer.Restart();
                        continue;
                    }

                    if (offset > 0 && (response.StatusCode != HttpStatusCode.PartialContent || response.Content.Headers.ContentRange?.From != offset))
                    {
                        // The registry sent the whole blob (or another range): start over with it.
                        if (response.StatusCode == HttpStatusCode.PartialContent)
                        {
                            writer.Restart();
                            continue;
                        }

                        writer.Restart();
                    }

                    await CopyBodyAsync(response, writer, size, id, progress, ct);
                    await writer.CommitAsync(size, ct);
                    progress?.Report(new PullProgress(PullStatus.Downloaded, id, size, size));
                    return;
                }
                catch (Exception e) when (e is IOException or HttpRequestException && attempt < DownloadAttempts && !ct.IsCancellationRequested)
                {
                    // The connection dropped: the next attempt resumes after what arrived.
                }
                catch (Exception e) when (e is IOException or HttpRequestException && !ct.IsCancellationRequested)
                {
                    throw new RegistryException(RegistryErrorKind.Unavailable, $"{fetcher.Endpoint}: downloading blob {digest} failed {DownloadAttempts} times, last: {e.Message}; the next pull resumes it", e);
                }
            }
        }
        finally
        {
            _downloads.Release();
        }
    }

    private async Task CopyBodyAsync(HttpResponseMessage response, BlobWriter writer, long size, string id, IProgress<PullProgress>? progress, CancellationToken ct)
    {
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[1 << 16];
        var reported = writer.Offset;
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        while (true)
        {
            // A registry that stops sending without closing is a dropped connection too.
            stall.CancelAfter(options.RequestTimeout);
            int read;
            try
            {
                read = await body.ReadAsync(buffer, stall.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new IOException($"no data for {options.RequestTimeout.TotalSeconds:0}s");
            }

            if (read == 0)
            {
                return;
            }

            // More than the descriptor says is never right; stop before filling the disk.
            if (writer.Offset + read > size)
            {
                await writer.WriteAsync(buffer.AsMemory(0, read), ct);
                return;
            }

            await writer.WriteAsync(buffer.AsMemory(0, read), ct);
            if (writer.Offset - reported >= ProgressStep)
            {
                reported = writer.Offset;
                progress?.Report(new PullProgress(PullStatus.Downloading, id, writer.Offset, size));
            }
        }
    }
}
