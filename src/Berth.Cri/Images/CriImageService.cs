using System.Text.Json;
using Berth.Images;
using Berth.Runtime;
using Microsoft.Extensions.Logging;

namespace Berth.Cri.Images;

/// <summary>
/// runtime.v1 ImageService over the node's image store: the one the standalone path pulls into
/// and containers are created from. One file per RPC.
/// </summary>
public sealed partial class CriImageService(IImageStore images, PodRuntime runtime, ILogger<CriImageService> logger) : V1.ImageService.ImageServiceBase
{
    private static readonly JsonSerializerOptions VerboseJson = new(JsonSerializerDefaults.Web);

    /// <summary>The image a request names; null when the store has none by that name or id.</summary>
    private ImageRecord? Find(V1.ImageSpec? spec, string field)
    {
        if (spec is null || spec.Image.Length == 0)
        {
            throw CriErrors.InvalidArgument($"{field}.image is required");
        }

        try
        {
            return images.Find(spec.Image);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw CriErrors.InvalidArgument($"{field}.image \"{spec.Image}\": {e.Message}");
        }
    }

    /// <summary>One CRI image per id: the store has a record per name, CRI lists names per image.</summary>
    private static V1.Image ToCri(IReadOnlyList<ImageRecord> records)
    {
        var first = records[0];
        var image = new V1.Image
        {
            Id = ImageNames.Id(first.Id),
            Size = (ulong)Math.Max(0, first.Size),
            Spec = new V1.ImageSpec { Image = ImageNames.Id(first.Id) },
        };
        image.RepoTags.AddRange(records.Select(r => ImageNames.RepoTag(r.Reference)).OfType<string>().Distinct());
        image.RepoDigests.AddRange(records.Select(r => ImageNames.RepoDigest(r.RepoDigest) ?? DigestOf(r.Reference)).OfType<string>().Distinct());

        // The image's user: a uid when it is numeric (a group after ':' does not matter here),
        // else the name. The kubelet's runAsNonRoot check reads these.
        var user = first.Config.User.Split(':')[0];
        if (user.Length > 0 && long.TryParse(user, out var uid))
        {
            image.Uid = new V1.Int64Value { Value = uid };
        }
        else
        {
            image.Username = user;
        }

        return image;
    }

    private static string? DigestOf(ImageReference reference) =>
        reference.Digest is { } digest ? $"{reference.CanonicalName}@{digest}" : null;

    private IReadOnlyList<ImageRecord> NamesOf(string id) => [.. images.List().Where(r => r.Id == id)];
}
