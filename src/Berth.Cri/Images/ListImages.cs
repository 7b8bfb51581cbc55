using Grpc.Core;

namespace Berth.Cri.Images;

public sealed partial class CriImageService
{
    /// <summary>Every image once, with all its names; a filter narrows to the image it names.</summary>
    public override Task<V1.ListImagesResponse> ListImages(V1.ListImagesRequest request, ServerCallContext context)
    {
        var records = images.List();
        if (request.Filter?.Image is { Image.Length: > 0 } spec)
        {
            var wanted = Find(spec, "filter.image");
            records = wanted is null ? [] : [.. records.Where(r => r.Id == wanted.Id)];
        }

        var response = new V1.ListImagesResponse();
        response.Images.AddRange(records.GroupBy(r => r.Id).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => ToCri([.. g])));
        return Task.FromResult(response);
    }
}
