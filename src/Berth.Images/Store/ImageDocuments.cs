using System.Text.Json;
using Berth.Images.Oci;
using Berth.Images.Registry;

namespace Berth.Images.Store;

/// <summary>An image's manifest and config as the store reads them, checked for what it relies on.</summary>
internal static class ImageDocuments
{
    /// <summary>The most a manifest or config blob may weigh when read whole.</summary>
    public const long MaxSize = RegistryFetcher.MaxManifestSize;

    public static ManifestDocument ParseManifest(byte[] content, string what)
    {
        ManifestDocument? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(content, OciJson.Default.ManifestDocument);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"manifest {what} is not valid JSON: {e.Message}", e);
        }

        if (manifest is not { SchemaVersion: 2, Config: { } config, Layers: { } layers }
            || !Digest.TryParse(config.Digest, out _)
            || layers.Any(l => l is null || !Digest.TryParse(l.Digest, out _)))
        {
            throw new InvalidDataException($"manifest {what} is not an image manifest (schemaVersion 2 with a config and layers with digests)");
        }

        if (layers.FirstOrDefault(l => !MediaTypes.IsLayer(l.MediaType)) is { } odd)
        {
            throw new InvalidDataException($"manifest {what}: layer {odd.Digest} has media type \"{odd.MediaType}\", which is not a tar layer (is this an artifact rather than an image?)");
        }

        return manifest;
    }

    public static ConfigDocument ParseConfig(byte[] content, Digest digest)
    {
        try
        {
            return JsonSerializer.Deserialize(content, OciJson.Default.ConfigDocument)
                ?? throw new InvalidDataException($"image config {digest} is null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"image config {digest} is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>The config's diff IDs, one per manifest layer.</summary>
    public static IReadOnlyList<Digest> DiffIds(ConfigDocument config, ManifestDocument manifest, Digest configDigest)
    {
        var diffIds = config.Rootfs?.DiffIds ?? [];
        if (diffIds.Count != manifest.Layers.Count)
        {
            throw new InvalidDataException($"image config {configDigest} lists {diffIds.Count} diff IDs for the manifest's {manifest.Layers.Count} layers");
        }

        return [.. diffIds.Select(d => Digest.TryParse(d, out var digest) ? digest : throw new InvalidDataException($"image config {configDigest}: \"{d}\" is not a diff ID"))];
    }

    public static ImageConfig ToImageConfig(ContainerConfigDocument? config) =>
        config is null
            ? ImageConfig.Empty
            : new ImageConfig(
                config.Entrypoint ?? [],
                config.Cmd ?? [],
                config.Env ?? [],
                config.WorkingDir ?? "",
                config.User ?? "",
                [.. (config.ExposedPorts?.Keys ?? []).Order(StringComparer.Ordinal)])
            {
                StopSignal = config.StopSignal ?? "",
                Labels = config.Labels ?? new Dictionary<string, string>(),
            };
}
