using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Berth.Images.Oci;

namespace Berth.Images.Registry;

/// <summary>A manifest or index as a registry served it, verified against its digest.</summary>
internal sealed record FetchedManifest(byte[] Content, string MediaType, Digest Digest);

/// <summary>
/// Reads one repository on one endpoint: manifests and indexes (verified against the digest that
/// names them, or the one the registry says), this platform's manifest of an index, and blobs by
/// range for resumable downloads.
/// </summary>
internal sealed class RegistryFetcher(RegistryClient client, RegistryRepository repository)
{
    /// <summary>The most a manifest, index or config may weigh: anything larger is not one.</summary>
    public const long MaxManifestSize = 4 << 20;

    public RegistryRepository Repository { get; } = repository;

    public RegistryEndpoint Endpoint => Repository.Endpoint;

    public ImageReference Reference => Repository.Reference;

    /// <summary>
    /// What <paramref name="tagOrDigest"/> names (<c>Top</c>: an index or a manifest) and the image
    /// manifest for <paramref name="platform"/> (the top itself unless it is an index).
    /// </summary>
    public async Task<(FetchedManifest Top, FetchedManifest Manifest)> ResolveAsync(string tagOrDigest, Platform platform, CancellationToken ct)
    {
        var top = await GetManifestAsync(tagOrDigest, ct);
        var manifest = top;
        if (MediaTypes.IsIndex(top.MediaType))
        {
            var chosen = PlatformIndex.Choose(top.Content, top.Digest, platform, Endpoint.ToString());
            manifest = await GetManifestAsync(chosen.Digest, ct);
            if (!MediaTypes.IsManifest(manifest.MediaType))
            {
                throw new RegistryException(RegistryErrorKind.Invalid, $"{Endpoint}: the {platform} entry {chosen.Digest} of index {top.Digest} is a {manifest.MediaType}, not an image manifest");
            }
        }

        return (top, manifest);
    }

    /// <summary>A manifest or index by tag or digest, verified against the digest when there is one.</summary>
    public async Task<FetchedManifest> GetManifestAsync(string tagOrDigest, CancellationToken ct)
    {
        var uri = Endpoint.Api($"{Reference.RemoteName}/manifests/{tagOrDigest}");
        using var response = await client.SendAsync(Repository, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, uri);
            foreach (var type in MediaTypes.Manifests)
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
            }

            return request;
        }, ct);
        await RegistryErrors.ThrowIfFailedAsync(response, Endpoint, $"manifest {Reference.RemoteName}:{tagOrDigest}", ct);
        if (response.Content.Headers.ContentLength > MaxManifestSize)
        {
            throw new RegistryException(RegistryErrorKind.Invalid, $"{Endpoint}: manifest {tagOrDigest} is larger than {MaxManifestSize} bytes");
        }

        byte[] content;
        try
        {
            content = await response.Content.ReadAsByteArrayAsync(ct);
        }
        catch (HttpRequestException e)
        {
            throw RegistryErrors.Unreachable(Endpoint, e);
        }

        Digest digest;
        if (Digest.TryParse(tagOrDigest, out var pinned))
        {
            digest = pinned;
            using var hash = pinned.NewHash();
            hash.AppendData(content);
            if (pinned.Finish(hash) is var actual && actual != pinned)
            {
                throw new RegistryException(RegistryErrorKind.Invalid, $"{Endpoint} served content with digest {actual} for manifest {pinned}");
            }
        }
        else
        {
            digest = Digest.Of(content);
            if (response.Headers.TryGetValues("Docker-Content-Digest", out var values)
                && Digest.TryParse(values.FirstOrDefault(), out var said)
                && said.Algorithm == Digest.Sha256
                && said != digest)
            {
                throw new RegistryException(RegistryErrorKind.Invalid, $"{Endpoint} says manifest {tagOrDigest} is {said}, but its content has digest {digest}");
            }
        }

        return new FetchedManifest(content, MediaTypeOf(response.Content.Headers.ContentType?.MediaType, content, tagOrDigest), digest);
    }

    /// <summary>
    /// A blob's response from <paramref name="offset"/> on; 206 when the registry honoured the range.
    /// The caller verifies the bytes against the digest as it stores them.
    /// </summary>
    public async Task<HttpResponseMessage> GetBlobAsync(Digest digest, long offset, CancellationToken ct)
    {
        var uri = Endpoint.Api($"{Reference.RemoteName}/blobs/{digest}");
        var response = await client.SendAsync(Repository, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (offset > 0)
            {
                request.Headers.Range = new RangeHeaderValue(offset, null);
            }

            return request;
        }, ct);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            return response;
        }

        try
        {
            await RegistryErrors.ThrowIfFailedAsync(response, Endpoint, $"blob {digest}", ct);
        }
        catch
        {
            response.Dispose();
            throw;
        }

        return response;
    }

    /// <summary>The Content-Type, unless the registry sent a generic one: then the document's own mediaType or shape.</summary>
    private string MediaTypeOf(string? contentType, byte[] content, string tagOrDigest)
    {
        if (contentType is MediaTypes.DockerManifestV1 or MediaTypes.DockerManifestV1Signed)
        {
            throw new RegistryException(RegistryErrorKind.Invalid, $"{Endpoint}: {Reference.RemoteName}:{tagOrDigest} has only a Docker schema 1 manifest, which Berth does not pull (it is deprecated; push the image again with a current client)");
        }

        if (MediaTypes.IsIndex(contentType) || MediaTypes.IsManifest(contentType))
        {
            return contentType!;
        }

        MediaTypeProbe? probe;
        try
        {
            probe = JsonSerializer.Deserialize(content, OciJson.Default.MediaTypeProbe);
        }
        catch (JsonException e)
        {
            throw new RegistryException(RegistryErrorKind.Invalid, $"{Endpoint}: manifest {tagOrDigest} is not JSON: {e.Message}");
        }

        return probe switch
        {
            { MediaType: { } type } when MediaTypes.IsIndex(type) || MediaTypes.IsManifest(type) => type,
            { Manifests: not null } => MediaTypes.OciIndex,
            { Config: not null } => MediaTypes.OciManifest,
            _ => throw new RegistryException(RegistryErrorKind.Invalid, $"{Endpoint}: {tagOrDigest} is a {contentType ?? "document"} that is neither an image manifest nor an index"),
        };
    }
}
